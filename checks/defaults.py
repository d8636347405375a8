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
