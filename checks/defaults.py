"""Every tunable of the check engine, with the reason for its default."""

# Characters skipped *inside* a lexicon term (法*轮, 法 轮, 法·轮 all hit 法轮). Compared after
# width and case folding, so full-width forms are covered by their ASCII twins. Sentence
# punctuation (。，、；：！？), quotes, brackets and line breaks are deliberately absent: they
# separate words in honest text, and skipping them would glue "依法”轮流" into a hit.
DEFAULT_NOISE_CHARACTERS = (
    " \t\u00a0\u3000"  # spaces, NBSP, ideographic space
    "*#@$%^&_+=|\\/~`.-"  # ASCII symbols used to split a term
    "·•・‧∙⋅∗⁎〃～—–‐‑‒―…￮○●◆◇■□★☆※"  # middle dots, dashes and filler symbols
)

# At most this many consecutive noise characters may sit between two characters of a term;
# "法" and "轮" fifty spaces apart are not an evasion of 法轮.
MAX_NOISE_RUN = 3

# Shortest normalised term the matcher accepts: a one-character term would fire everywhere.
MIN_TERM_LENGTH = 2

# Characters of context shown on either side of a finding in the CLI table.
CONTEXT_CHARACTERS = 12

# English words shorter than this are not spell-checked (too many abbreviations).
MIN_SPELLCHECK_WORD = 3

# Host name suffixes that only resolve inside a government intranet (secret/link checks).
INTRANET_SUFFIXES = (".local", ".intra", ".lan", ".internal", ".corp", ".home.arpa")

# Channels whose purpose is to publish drafts for comment, where 征求意见稿 is expected.
CONSULTATION_CHANNELS = ("意见征集", "征求意见", "公开征求意见")

# Document types that need no accompanying 政策解读 (per the seeds' 解读 rule).
INTERPRETATION_EXEMPT_TYPES = (
    "人事任免",
    "领导小组调整成立",
    "批复",
    "复函",
    "取消下放行政权力",
    "文件清理结果",
)

# --- disclosure / format / link / attachments (issue 5) ---

# Document types that count as 政策文件 and so need a 政策解读 ("同步起草、同步审签、同步发布").
# Matched as substrings of metadata.doc_type, so "行政规范性文件" counts as 规范性文件.
POLICY_DOCUMENT_TYPES = ("规范性文件", "政策文件", "政策措施", "规章", "实施意见", "指导意见")

# Lines from the top of the body searched for the document's own 发文字号 (版头 area);
# numbers further down are citations of other documents.
DOC_NUMBER_HEAD_LINES = 8

# The page background assumed when no ancestor declares one: article pages of government
# sites are white, so white text with no background of its own is invisible.
DEFAULT_PAGE_BACKGROUND = "#ffffff"

# Off-screen positioning: |left/top/right/bottom/margin/translate| beyond this many px hides
# an element (渊照's threshold); text-indent at or below the negative of the second hides text.
OFFSCREEN_PX = 1000
HIDDEN_TEXT_INDENT_PX = 50

# Colours this close (largest channel difference) count as "the same": #fefefe on white is
# as invisible as #ffffff.
SAME_COLOUR_DISTANCE = 16

# At most this many findings per link rule, so a 20 MB spam page gives a readable report.
LINK_MAX_FINDINGS_PER_RULE = 200

# Reachability (错链) job: the 2017 普查 rule counts a page as unreachable after 15 s.
LINK_TIMEOUT_SECONDS = 15.0
LINK_MAX_REDIRECTS = 5
# Distinct URLs checked per draft, parallel requests, and the whole job's time budget.
LINK_MAX_URLS = 200
LINK_WORKERS = 8
LINK_BUDGET_SECONDS = 180.0
LINK_USER_AGENT = "Sanshen-LinkCheck/0.1 (+pre-publication review)"

# Attachments: files above this size are not opened at all.
ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
# Zip containers (docx/xlsx): declared uncompressed total, member count, and the
# compression ratio above which a large member is treated as a zip bomb. Real sheet XML
# compresses 5-30x; a run of zeros compresses 1000x.
ATTACHMENT_MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
ATTACHMENT_MAX_MEMBERS = 10_000
ATTACHMENT_MAX_RATIO = 200
ATTACHMENT_RATIO_MIN_BYTES = 8 * 1024 * 1024
# Extracted characters kept per attachment; the rest is reported as not checked.
ATTACHMENT_MAX_CHARS = 20_000_000
# PDF pages read per document.
ATTACHMENT_MAX_PDF_PAGES = 3000

# Lexicon categories whose deny terms mark a link as gambling/porn/black-market spam (the
# entries of lexicons/spam.tsv count whatever their category).
LINK_SPAM_CATEGORIES = ("赌博", "色情", "黑产")

# Hosts whose link text may name gambling or porn without the link being spam: a government
# notice titled "打击网络赌博" is reported (warn), not blocked.
GOVERNMENT_HOST_SUFFIXES = (".gov.cn",)

# --- privacy ---------------------------------------------------------------------------
# A name at most this many characters before an identifier (same line and sentence) is
# taken as its holder: "申请人王秀英，女，汉族，身份证号码：…" spans about 20.
PERSON_WINDOW_BEFORE = 40
# …or at most this many after it ("13812345678（王秀英）"); people rarely write it that way.
PERSON_WINDOW_AFTER = 20
# How far a sentence is searched on each side for special-category words (患有, 未成年 …).
PERSON_CONTEXT_REACH = 60
# Mail domains of the site's own organisation that the privacy check treats as institutional
# in addition to gov.cn / .gov / .org / .edu (e.g. a city's own public-service domain).
INSTITUTIONAL_MAIL_SUFFIXES: tuple[str, ...] = ()
# Environment variable naming the local directory of a HanLP NER model (optional extra).
HANLP_MODEL_ENV = "SANSHEN_HANLP_MODEL"
# Longest piece of text handed to the NER model at once; sentences are cut to fit.
NER_MAX_CHARS = 120

# --- secret ----------------------------------------------------------------------------
# Internal and draft marks count as document marks only in the first lines of a field or
# on a line of their own; in running prose (防止泄露工作秘密) they are just words.
MARK_HEAD_LINES = 5
# Shortest token after a key word that is taken as a secret (密码：Abc@12345 has 9).
CREDENTIAL_MIN_LENGTH = 6
# Shannon entropy (bits per character) above which a token after "token/key/secret" is a key.
CREDENTIAL_MIN_ENTROPY = 3.0
# Findings kept per rule and field by the privacy and secret checks: a list of 10,000 ID
# numbers is blocked by the first one, and the annotated HTML needs no more than a page.
MAX_FINDINGS_PER_RULE = 200
