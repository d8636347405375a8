"""Writes the small BIO corpus the NER tests train on (char-level, tags B-PER/I-PER/O).

Sentences are invented, in the style of government notices: 公示 lines, 低保 lists,
行政处罚决定书, 流调 notices, meeting news. Given-name characters come from three disjoint
pools, one each for train.tsv, dev.tsv and heldout.tsv, so the tests can ask whether the
trained model finds names it never saw. Run it to regenerate the files;
the fixed seed keeps them stable.

    python tests/data/ner/make_corpus.py
"""

from __future__ import annotations

import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

SURNAMES: list[str] = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
SURNAMES += ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐"]
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉萍红梅鑫波斌宇浩凯秀云海林"
    "荣新春晓燕文辉力志永婷雪琳晨旭阳佳欣雨涵子轩梓博俊豪德福贵成才宏亮东升凤霖慧颖瑶"
)

CITIES = ["青岛市", "济南市", "大连市", "烟台市", "潍坊市", "临沂市", "淄博市", "威海市"]
DISTRICTS = ["市南区", "市北区", "李沧区", "崂山区", "城阳区", "黄岛区", "历下区", "槐荫区"]
ROADS = ["香港中路", "延安三路", "宁夏路", "山东路", "福州北路", "重庆南路", "辽阳西路", "黑龙江路"]
TITLES = ["局长", "副局长", "主任", "副主任", "处长", "区长", "副区长", "书记"]


def rid(rng: random.Random) -> str:
    return f"37020{rng.randint(1, 9)}{rng.randint(1950, 2005)}****{rng.randint(100, 999)}{rng.choice('0123456789X')}"


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}****{rng.randint(1000, 9999)}"


def address(rng: random.Random) -> str:
    return f"{rng.choice(CITIES)}{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 99)}号"


TEMPLATES = [
    "申请人{n}，身份证号{id}，经审核符合条件。",
    "申请人：{n}，联系电话：{tel}。",
    "户主{n}，家庭人口{k}人，月保障金{m}元。",
    "{n}\t{id}\t{addr}",
    "{n}，女，{age}岁，住{addr}。",
    "{n}，男，{age}岁，住{addr}。",
    "当事人{n}于{y}年{mo}月{d}日在{addr}从事无证经营活动。",
    "当事人：{n}，身份证号码：{id}。",
    "联系人：{n}，电话：{tel}。",
    "患者{n}，{age}岁，于{mo}月{d}日就诊。",
    "收件人：{n}，地址：{addr}。",
    "{t}{n}主持会议并讲话。",
    "市民政局{t}{n}出席活动并致辞。",
    "会议由{t}{n}主持，{t2}{n2}作总结发言。",
    "经研究，决定对{n}给予警告并处罚款{m}元的行政处罚。",
    "姓名：{n}  性别：女  民族：汉族",
    "姓名：{n}  性别：男  出生年月：{y}年{mo}月",
    "{n}同志任{city}民政局{t}。",
    "{n}同志不再担任{city}民政局{t}职务。",
    "拟推荐{n}为{y}年度优秀公务员。",
    "经群众举报，{n}在{addr}违规搭建。",
    "{n}、{n2}两户家庭经入户调查符合低保条件。",
    "特困人员{n}由{city}社会福利院集中供养。",
    "举报人{n}反映的问题已转交相关部门办理。",
    "被处罚人{n}对处罚决定无异议。",
    "{n}（{id}）已于{y}年{mo}月{d}日办理登记。",
    "现将{n}等{k}人的审核结果予以公示。",
    "{city}{t}{n}一行到我局调研指导工作。",
    "法定代表人：{n}",
    "经营者{n}未按规定明码标价。",
]
NEGATIVES = [
    "为进一步做好政务公开工作，现将有关事项通知如下。",
    "公示期间如有异议，请向{city}民政局反映。",
    "各区市要高度重视，认真组织实施。",
    "本通知自印发之日起施行。",
    "联系电话：0532-8591{k4}。",
    "办公地址：{addr}。",
    "{city}召开{y}年政务公开工作会议。",
    "公示时间：{y}年{mo}月{d}日至{y}年{mo}月{d2}日。",
    "请于{mo}月{d}日前将材料报送至市政府办公室。",
    "全市共发放城乡低保金{m}万元，惠及{k}户家庭。",
    "依据《中华人民共和国行政处罚法》第二十八条规定作出处理。",
    "政务服务热线12345全天候受理群众诉求。",
    "{city}{t}办公会议研究通过了实施方案。",
    "各单位要坚持先审查、后公开的原则。",
    "申请材料不全的，应当一次性告知申请人需要补正的全部内容。",
    "经审核，以下家庭符合城乡最低生活保障条件。",
]


def make_name(rng: random.Random, given_pool: list[str]) -> str:
    surname = rng.choice(SURNAMES)
    return surname + "".join(rng.choice(given_pool) for _ in range(rng.choice((1, 2, 2, 2))))


# HanLP's vocabulary maps characters it never saw to this token. Writing it for some given-
# name characters in the training data (word dropout) teaches the model what an unknown
# character after a surname in a name slot means; otherwise <unk> is an untrained vector
# and names with new characters go unrecognised.
UNKNOWN = "<unk>"
DROPOUT = 0.3


def render(rng: random.Random, template: str, names: list[str], dropout: float = 0.0) -> list[tuple[str, str]]:
    """Fill a template; return (char, tag) pairs with the names tagged B-PER/I-PER."""
    values = {
        "id": rid(rng),
        "tel": phone(rng),
        "addr": address(rng),
        "city": rng.choice(CITIES),
        "t": rng.choice(TITLES),
        "t2": rng.choice(TITLES),
        "k": str(rng.randint(2, 9)),
        "k4": str(rng.randint(1000, 9999)),
        "m": str(rng.randint(300, 9000)),
        "age": str(rng.randint(18, 90)),
        "y": str(rng.randint(2019, 2024)),
        "mo": str(rng.randint(1, 12)),
        "d": str(rng.randint(1, 28)),
        "d2": str(rng.randint(1, 28)),
    }
    pairs: list[tuple[str, str]] = []
    i = 0
    name_iter = iter(names)
    while i < len(template):
        if template[i] == "{":
            j = template.index("}", i)
            key = template[i + 1 : j]
            if key in ("n", "n2"):
                name = next(name_iter)
                for k, ch in enumerate(name):
                    given = k > 0 and not (k == 1 and name[:2] in SURNAMES)
                    token = UNKNOWN if given and rng.random() < dropout else ch
                    pairs.append((token, "B-PER" if k == 0 else "I-PER"))
            else:
                pairs.extend((ch, "O") for ch in values[key])
            i = j + 1
        else:
            pairs.append((template[i], "O"))
            i += 1
    return [(ch, tag) for ch, tag in pairs if not ch.isspace()]


def sentences(
    rng: random.Random, count: int, given_pool: list[str], negative_share: float, dropout: float = 0.0
) -> list:
    result = []
    for _ in range(count):
        if rng.random() < negative_share:
            result.append(render(rng, rng.choice(NEGATIVES), []))
        else:
            names = [make_name(rng, given_pool), make_name(rng, given_pool)]
            result.append(render(rng, rng.choice(TEMPLATES), names, dropout))
    return result


def write(path: Path, sents: list) -> None:
    with path.open("w", encoding="utf-8") as out:
        for sent in sents:
            for ch, tag in sent:
                out.write(f"{ch}\t{tag}\n")
            out.write("\n")


def main() -> None:
    rng = random.Random(20240611)
    given = GIVEN[:]
    rng.shuffle(given)
    # Dev and held-out names use given-name characters the training data never contains, so
    # that model selection rewards generalising to new names rather than memorising them
    # (a dev set of known names reaches 100 % in a few epochs and stops training early).
    train_given, dev_given, heldout_given = given[:-28], given[-28:-14], given[-14:]
    write(HERE / "train.tsv", sentences(rng, 480, train_given, 0.25, DROPOUT))
    write(HERE / "dev.tsv", sentences(rng, 80, dev_given, 0.25))
    write(HERE / "heldout.tsv", sentences(rng, 60, heldout_given, 0.0))


if __name__ == "__main__":
    main()
