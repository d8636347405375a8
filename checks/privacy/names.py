"""Word lists for the rule-based person detector (no model needed)."""

from __future__ import annotations

# The common single-character surnames (the 百家姓 head plus frequent modern ones) and the
# compound surnames still in use. Together they cover well over 95 % of the population.
SINGLE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池"
    "查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴"
    "盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况"
    "那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
COMPOUND_SURNAMES = frozenset(
    """欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 南宫 西门 独孤
    呼延 万俟 闻人 澹台 公羊 赫连 申屠 太史 钟离 濮阳 单于 司空 百里 东郭 拓跋 完颜 第五 谷梁 宗政""".split()
)

# Characters that end a name: they almost never appear in a given name but often follow
# one (性别、身份证、住、于 …) or make the token a place or organisation (李沧区, 高新区).
NOT_IN_GIVEN_NAME = frozenset(
    "的了是在和与及或等为于因系由从向对把被将就都也还又并而且但则即其此该各每某这那所以"
    "男女性身份证电话手机号码住址户籍年日时分秒岁周口亿项个次件份条款类级型式业"
    "区市县镇乡村路街巷道省州局委办院所站厅部处科室组队团厂店司社校园场馆楼栋单门"
    "上下内外前后中经审核批准予以已未不无没现今旧"
    "、，。；：！？（）《》“”‘’"
    "＊*×ＸX某"
)
# Words that start right after a name; the second given-name character is not taken when it
# begins one of them (王伟主持 → 王伟, 李强调研 → 李强).
NAME_STOP_WORDS = frozenset(
    """主持 讲话 出席 指出 强调 表示 发言 调研 视察 带队 一行 致辞 介绍 同志 先生 女士 老师 等人
    申请 报名 工作 作为 任职 担任 不再 局长 主任 书记 市长 区长 县长 处长 科长 部长 患有 患病 确诊
    驾驶 名下 持有 家庭 户主 联系 电话 手机 身份 性别 出生 民族 汉族 户籍 现住 家住 住址 因病 于是""".split()
)

# Labels after which a private person's name follows.
CUE_WORDS = (
    "姓名",
    "申请人",
    "户主",
    "联系人",
    "患者",
    "当事人",
    "收件人",
    "被处罚人",
    "被申请人",
    "被执行人",
    "投诉人",
    "举报人",
    "监护人",
    "法定代表人",
    "经营者",
    "代理人",
    "持卡人",
    "车主",
    "驾驶人",
    "承租人",
    "求助人",
    "救助对象",
    "低保对象",
    "对象",
    "人员",
    "保障对象",
    "户名",
    "开户名",
    "收款人",
    "学生",
    "病例",
    "密接人员",
    "死者",
    "家属",
    "市民",
    "村民",
    "获奖者",
    "志愿者",
)
# Cues that are ordinary nouns too (市民关心的问题, 学生和家长): the name after them must end
# at a delimiter or a digit, not run on into more words.
WEAK_CUES = frozenset({"市民", "村民", "获奖者", "志愿者", "学生", "家属", "病例", "对象", "人员", "死者"})

# Titles and roles of people acting in office: their names are published on purpose.
OFFICIAL_TITLES = (
    "局长",
    "主任",
    "书记",
    "市长",
    "区长",
    "县长",
    "镇长",
    "乡长",
    "处长",
    "科长",
    "部长",
    "厅长",
    "院长",
    "所长",
    "站长",
    "主席",
    "委员",
    "秘书长",
    "组长",
    "队长",
    "检察长",
    "庭长",
    "审判长",
    "审判员",
    "书记员",
    "执法人员",
    "调查人员",
    "工作人员",
    "承办人",
    "发言人",
    "主持人",
    "负责人",
    "记者",
    "通讯员",
    "编辑",
    "审核",
    "校对",
    "签发",
    "代表",
    "专家",
    "教授",
    "院士",
)
# Words right after a name that show the person acting in office.
OFFICIAL_FOLLOWERS = (
    "同志",
    "主持",
    "讲话",
    "出席",
    "指出",
    "强调",
    "表示",
    "调研",
    "视察",
    "带队",
    "一行",
    "致辞",
    "作报告",
    "介绍",
    "任",
    "不再担任",
    "为",
    "局长",
    "主任",
    "书记",
    "市长",
    "区长",
    "县长",
    "处长",
)
