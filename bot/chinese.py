"""Reading a reply written in Chinese, with the same question-aware rules as bot/answers.py.

bot/answers.py sends a reply here when its letters are Chinese (bot.i18n.written_in). The result is the
same `Reading`, so the conversation treats both languages alike: hedges (不知道, 可能) are Not sure before
anything else, a concept's words (data/concepts/zh.yml) with a negation before them decide, a plain 是 /
没有 decides where they do not, and a typed answer that rules someone out is read back before it counts.
Ages in Chinese numerals (五十二岁, 一九七零年出生) are turned into digits with cn2an.
"""
from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from datetime import date
from functools import lru_cache
from typing import Dict, Optional, Tuple

from itertools import islice, product

import cn2an
from pypinyin import Style, pinyin
from pypinyin.constants import PHRASES_DICT

from bot import concepts
from bot.protocol import Criterion

# Whole-message commands, with the polite words around them (请, 我要, 吧, 谢谢).
_POLITE = r"(?:请|麻烦|帮我|我要|我想|我想要|能不能|可以|你)*"
_POLITE_END = r"(?:吧|一下|好吗|可以吗|谢谢|了)*"
COMMANDS = {
    "go_back": r"(?:返回|回到|回|改)?上一(?:题|个问题|个|步)|返回|后退|我想改(?:一下)?(?:上一个|刚才的)?(?:回答|答案)",
    "start_over": r"重新开始|重来|从头(?:开始|再来)|清除(?:我的)?(?:所有|全部)?(?:回答|答案)",
    "stop": r"停止|暂停|停|不做了|不想做了|结束|退出|先到这里|不答了|不想答了",
    "erase_data": r"删除(?:我的)?(?:所有|全部)?(?:数据|信息|资料|回答|记录)|删掉(?:我的)?(?:数据|信息|资料|记录)",
}
_COMMAND = {name: re.compile(rf"^{_POLITE}(?:{words}){_POLITE_END}$") for name, words in COMMANDS.items()}

# Questions back, by topic (the same topics as bot/answers.py and the NLU's side intents).
TOPICS = (
    ("other_trials", r"(?:别的|其他|其它|另外的|另外|还有(?:没有)?(?:别的|其他|其它)?|适合我的|能参加的)(?:临床)?(?:试验|研究|项目)|"
                     r"(?:找|查|搜)(?:一下|一些)?(?:别的|其他|其它|适合我的|合适的)?(?:临床)?(?:试验|研究)|"
                     r"(?:什么|哪些|哪个|哪种)(?:临床)?(?:试验|研究)(?:比较|可能|会)?(?:适合|合适)"),
    ("next_steps", r"(?:我|那|那我)?(?:现在|接下来|下一步|以后|然后)?(?:该|应该|要|能|可以)(?:怎么办|做什么|干什么|干嘛|怎么做)|"
                   r"(?:现在|那)(?:我)?怎么办|我(?:该)?怎么办|有什么建议"),
    ("ask_why", r"为什么|为啥|干嘛问|问这个(?:干什么|做什么|有什么用)"),
    ("ask_explain", r"什么意思|啥意思|是什么意思|(?<![看听读搞弄])不(?:懂|明白|理解)|解释一下|什么叫|什么是"),
    ("ask_trial_about", r"(?:研究|试验|项目)(?:是)?(?:做什么|干什么|是什么|什么内容|关于什么)"),
    ("ask_treatment", r"(?:碳离子|卡瑞利珠)(?:单抗|放疗)?(?:是|指)(?:什么|啥)|什么是(?:碳离子|卡瑞利珠)|治疗方法|怎么治|"
                      r"用什么药|治疗是什么"),
    ("ask_what_happens", r"会发生什么|接下来|下一步|之后(?:会|要)?怎么|然后呢|会怎样"),
    ("ask_sponsor", r"(?:谁|哪个医院|哪家医院)(?:负责|主办|做的|开展)"),
    ("ask_size", r"多少(?:个)?人|几个人"),
    ("privacy", r"隐私|谁能看|谁会看|信息(?:安全|保存)|数据(?:安全|保存|会)"),
    ("progress", r"还有(?:几|多少)(?:个)?(?:问题|题)|多久|多长时间"),
    ("payment", r"费用|多少钱|免费|收费|报销|要钱|付钱"),
    ("who_answers", r"(?:替|帮|代)(?:我)?(?:爸|妈|父亲|母亲|家人|老伴|他|她)(?:回答|答)"),
    ("skip", r"跳过|不想回答|可以不回答"),
)
_TOPICS = tuple((name, re.compile(words)) for name, words in TOPICS)
_QUESTION_END = re.compile(r"[?？吗]\s*$|吗[?？]|(?<!说)(?<!讲)(?<!知道)(?<!清楚)是(?:个)?(?:啥|什么)|(?<![都也我他她并绝从还就])(?<=[\u4e00-\u9fff])不[?？]?\s*$|^(?:什么|为什么|怎么|谁|哪里|哪个|哪些|多少|啥)|(?:什么|啥|哪些|哪个|怎么样|多少)[?？]?\s*$|"
                           r"(?:多久|多长|什么|怎么|几|哪|吗|谁|为什么|是不是|有没有|要不要|能不能|多少)[^，,。？?]{0,6}[?？]|(?:从)?哪(?:天|一天|时候|年|个月)(?:开始)?(?:算|起)|(?:是)?干(?:嘛|啥|什么)(?:用)?(?:的)?[?？]?$|是指|指的是|是什么|有?(?:什么|啥)(?:区别|不同|不一样|关系|差别)|怎么[\u4e00-\u9fff]{1,2}[啊呀呢吗]?[?？]?$|(?:区别|不同)(?:在哪|是啥)|"
                           r"(?:多久|多长时间|什么时候|(?<![那这好十前头])几(?:天|次)|怎么办)[啊呀呢]?$|(?:要|得|需要|住)\w{0,3}(?<![好十])几(?:天|次|个月|周|个星期)|(?<=[\u4e00-\u9fff])(?<![我他她你侬伊])伐(?=[\s，,？?]|$)|^[^，,]{0,12}?(?<![没不])([\u4e00-\u9fff])[不没]\1(?!过|了)[^，,]{0,12}$")
# "什么药都不过敏", "啥都没有": 什么 / 啥 before 都 / 也 and a negation is "none at all", not a question.
_NONE_AT_ALL = re.compile(r"(?:什么|啥|哪)\w{0,4}(?:都|也)(?:不|没)")

_MISTAKE = re.compile(r"打错|发错|按错|点错|输错|不是这个意思")
_PERSON = re.compile(r"人工|真人|客服|找(?:个)?人|工作人员|和人(?:说|聊)|跟人(?:说|聊)|转人")
_WAIT = re.compile(r"^[^，,。]{0,10}?[，,\s]?(?:晚点|晚些|等会儿?|回头|有空)(?:再)?(?:说|聊)|^(?:请)?(?:等一?下|等等|稍等|等我|我(?:去|先)?(?:查|看|问|找|翻)(?:一?下|查|看|问|找|翻)|"
                   r"让我(?:想想|查查|看看|找找|问问)|我想一想|我查一下)")
# Hemming and mumbling ("嗯嗯啊啊", "呃呃") is no answer (as an acknowledgement is not)
_MUMBLE = re.compile(r"^(?:嗯{2,}啊{2,}|啊{2,}嗯{2,}|[呃额]+|嗯+[呃额]+|[呃额]+嗯+|e+m{2,})[。.…~～\s]*$")
_ACK = re.compile(r"^(?:(?:好的?|好吧|嗯+|恩+|哦+|噢+|知道了|明白了?|收到|了解|谢谢|谢了|行吧?|ok|OK)[\s，,。！!~～.]*)+$")

# Soft hedges: "probably", "it seems", a trailing 吧. With them taken out, a reply that reads firmly is read back
# to the volunteer ("应该没问题吧": "just to be sure: …?") rather than recorded as Not sure; 可能 ("maybe") stays Not sure.
SOFT_HEDGE = re.compile(r"应该是?|应当|好像是?|似乎|大概|估计|我想|我觉得|(?<=[\u4e00-\u9fff])吧(?=[\s，,。!！~～]|$)")
_HEDGE = re.compile(r"不知道|不确定|(?<!看)不清楚|不晓得|勿晓得|弗晓得|唔知|唔清楚|(?:要|得|需要)(?:回去|去)?(?:查|翻|看)(?:一下|下|查|翻|看)?(?:病历|病例|记录|报告|化验单|单子|身份证|户口本|药盒|说明书|出院小结|小结|发票|处方)|(?:要|得|需要)(?:去)?问(?:问|一下|下)?(?:我)?(?:老公|老婆|爱人|丈夫|妻子|家里人|儿子|女儿)|(?:报告|化验单|单子|结果|片子)(?:在|放在)[^，,。]{0,8}(?:那里|那儿|手机|家里)|(?:等下|回头|待会)?问问(?:他|她|我儿子|我女儿|家里人)|(?:报告|单子|化验|写的)[^。]{0,20}[，,\s](?:我|但)?(?:也|都)?看不(?:懂|明白)|记不住|想不起来|记不全|[，,\s](?:这个|这|那个|那)算不算(?![^，,。]*[?？])|不会看(?!不)|看不来|(?:报告|结果|单子)(?:还)?没(?:去)?(?:拿|取|出)|没看懂|结果\w{0,2}没(?:看|注意|问)|没(?:看|问)(?:过)?结果|(?:核磁|MRI|mri|检查|化验|验血|片子|CT|ct)还没(?:做|拍|查)|还没(?:做|拍|查)(?:过)?(?:增强)?(?:核磁|MRI|mri|CT|ct)|(?:还要|还得|要|得)再(?:看看|看一看|复查)|(?:最近|近期|好久|很久|这段时间)(?:都)?没(?:有)?(?:去)?(?:验|查|抽)(?:过)?(?:血|血常规|肝功能?|肾功能?)|(?:定|确定|肯定|判断|说)不了|(?:还)?没(?:有)?确定|记不(?:太)?准|(?:不能|没法|无法|不敢)(?:确定|肯定)|(?:要|在|继续)(?:再)?观察|(?:有些|有点|有的)(?:地方)?(?:不太|不大|不)(?:明白|懂|理解|清楚)|(?:看看|查查|确认|看一下|查一下|再看)(?:是不是|有没有)|犹豫(?!了|过)|考虑考虑|(?:还在|在|要)考虑(?![，,\s]*(?:还)?没)|怕[^，,。]{0,4}不(?:了|懂|明白|清)|(?:要|得|需要)算(?:一下|下|算)|属[鼠牛虎兔龙蛇马羊猴鸡狗猪]|应该(?:可以|能|行)吧|(?:要|得)看[^，,。]{0,12}?([\u4e00-\u9fff]{1,2})不\1|没(?:去)?(?:查|检查|看)过?(?:是不是|有没有)|不排除|还没(?:有)?定|没(?:有)?确诊|待查|在观察|没(?:有)?(?:说|讲|告诉)(?:过)?(?:我)?(?:是不是|有没有|是否|是(?:个)?(?:啥|什么))|应该(?:没|不|还|都|是|有|正常|可以|行|能|好|算)|的样子|(?<=[\d个天周月年岁次])左右|(?<!看)不(?:太|大)(?:记得|清楚|确定|知道)|记不太清|(?<!话)(?<!话也)(?<!话都)说不清|说不准|说不上来|讲不(?:清|上来)|没(?:有)?(?:注意|留意)|(?:报告|单子|片子|结果|数字|指标|数值|两对半|化验单?|检查)[^，,。]{0,8}看不(?:懂|明白)|没(?:说|讲)清楚|没(?:怎么)?看过?(?:化验单|报告单?|单子|结果)|(?:化验单|报告单?|单子|结果)(?:我)?(?:都)?没(?:怎么)?看|(?:要|得)看[^，,。]{0,8}(?:有多|多么|怎么样|情况|具体)|(?:要|得)看[^，,。]{0,8}的意思|不好说|(?<!不是)(?<!能)说不好|拿不定|(?:还)?没(?:有)?(?:商量|想|考虑|决定)好|还没(?:有)?(?:决定|拿定)|不好(?:确定|判断|讲)|待观察|记不清|记不得|不记得|忘了|忘记了|搞不清|拿不准|"
                    r"(?<!怎么)(?<!哪)(?<!哪里)(?<!哪儿)(?<!不)(?<!这个)(?<!没)(?<!没有)可能|也许|或许|大概(?!\s*[\d一二两三四五六七八九十几])|好像|似乎|应该是|估计|要问(?:问)?医生|得问(?:问)?医生|先问问|(?:问|商量|考虑)[^，,。]{0,8}再(?:说|定|决定|答)|(?:得|要|需要|等)(?:听)?医生(?:讲|说|解释)(?:一下|下)|(?:要|得|需要)(?:去)?(?:先)?问(?:问|一下|下)|(?:才|再)(?:能)?知道(?![^，,。]{0,2}[?？吗])|问(?:一下|问)医生|问下医生|"
                    r"没查过|还没查|还没(?:有)?(?:出)?结果|没(?:有)?检查过|等(?:结果|报告)|结果还没|还没出|不太确定|(?<![看听读])不懂|"
                    r"不一定|看情况|有时候.{0,8}有时候|商量(?!过|好|了|后|以后|之后|完|下来|没|不|决定)|没想好|还没决定|还没测|没测过|还没(?:去)?(?:检查|拍|查|复查|做检查|验|看)|没去(?:查|看|检查)(?:过)?$")
_YES = re.compile(r"^(?:我|他|她|我们|俺)?(?:自己|本人)?(?:这个月|这段时间|最近|现在|目前|近期|最后|后来|结果)?(?:嗯+|是的?|对的?|係|系)?(?:是的?|对的?|有的?|符合|要得|系|系的|係|係的|能够|患有|得了|对头|要的|有嘞|嗯呐|(?:用|吃|打|做)了|接受过|治疗过|嗯+|恩+|没错|确实|当然|肯定|会的?|能的?|可以|愿意|同意|行|好的?|完成了|做完了|需要|(?:当然|肯定|绝对)(?:能|可以|会|是|有|行|愿意)|"
                  r"(?:用|做|打|吃|得|有|放)过(?:的)?|是啊|对啊|有啊|yes|Yes|YES)(?:的|滴|啊|呀|吧|了){0,2}[额呃哈嘛哦噢喔呢咯啦哟喽嘞]?$")
_NO = re.compile(r"^(?:我|他|她|我们|俺)?(?:自己|本人)?(?:这个月|这段时间|最近|现在|目前|近期|最后|后来|结果)?(?:当然|肯定|绝对|根本|确实|真的|完全|也|都|还)?(?:(?:从来|从)?(?:没有|没|未|么有|木有|冇|莫)(?:用|做|打|吃|得|有|查|放|输)过?|没有|没|不是|否|无|不|不会|不能|不对|不行|"
                 r"从来没有|从没有?|从未|不太能|不大能|(?:从来)?没(?:有)?听(?:医生|大夫)?(?:说|讲|提)过|没(?:有)?听(?:医生|大夫)?(?:说|讲)(?:过)?(?:自己|我)(?:有|得过?)|怎么可能|哪(?:里|儿)?(?:可能|会)|不可能|不用|未|木有|木得|莫有|么有|冇|没有的|没有啊|都没有|没有过|不需要|不要|不符合|呒没|呒得|没得|莫得|冇得|"
                 r"没有的事|没这回事|没那回事|(?:医生)?没(?:有)?(?:听)?(?:说|讲|提)过|无此(?:病|情况)|没(?:有)?此(?:病|情况)|(?:从来)?没(?:有)?(?:被)?(?:查|检查|发现)出(?:来)?过?|"
                 r"没(?:有)?发现过?|没同意|没答应|拒绝了|冒得|冒有|否认|都不是|唔系|唔是|没(?:有)?(?:做|达|不)?到|"
                 r"no|No|NO)"
                 r"(?:的|滴|啊|呀|吧|了|过)?(?:这个|这种|那个|这些)?[额呃哈嘛哦噢喔呢咯啦哟喽嘞哇]?$")
# "不需要用这些药", "没有这种病": a No to a question about having or needing something.
_NONE_OF_THESE = re.compile(r"^(?:上面(?:说的|的)?)?(?:这些|这几种|这几样|这种|这类)?(?:病|药|情况)?[，,\s]*(?:(?:一|1)(?:个|样|种|项)|哪个|哪种)?(?:都|也)(?:没有|没得|没|冇|不是)(?:的|啊|呀|过)?$|(?:身体)?(?:别的|其他|其它)(?:都|也)(?:挺|很|还|蛮)?好的?$|(?:一|1)(?:粒|颗|片|种|样)药(?:都|也)(?:不|没)(?:吃|用)|^(?:都|也|一切)(?:挺|很|还|蛮)?(?:好|正常)(?:的)?$|没(?:有)?(?:其他|别的)?(?:不好|不舒服)的地方|^不是(?:这|那)(?:种|类|个|些)(?:病)?$|^(?:现在|目前|最近)?(?:都|也)?没(?:有)?(?:什么|啥)(?:事|毛病|问题)?(?:了|的|啦)?$|(?:什么|啥)(?:药|病)?(?:都|也)(?:不|没)(?:有)?(?:在)?(?:吃|用|打|有|得)|(?:别的|其他|其它)(?:病|的|什么|毛病|问题)?(?:都|也)?(?:没有|没|冇)(?:生|得|长|患|用|吃|打|做)?过?$|(?:没有|没|冇)(?:生|得|长|患|用|吃|打|做|搞|弄)?过?(?:别的|其他|其它)(?:病|药|的|什么|[\u4e00-\u9fff]{1,2}|[a-z]{1,4})?$|没(?:有)?听[^，,。]{0,4}?(?:说|讲|提)过?[^，,。]{0,4}?(?:这|那)(?:种|个|类|些)?(?:病)?|(?:不需要|不用|没有|没|从没|从来没|莫得|冒得|冇)(?:在)?(?:用|吃|打|得过|有过|有|得)?(?:过)?(?:这些|这种|这类|这个|那些|那种|这样的|这(?:一|1)(?:类|种)|这几(?:类|种))|"
                            r"没[^，,。]{0,8}过(?:这|那)(?:种|些|类|个)|没(?:有)?(?:什么|啥)?(?:病)?(?:要|需要)(?:用|吃|打)这(?:些|种|类)|没[^，,。]{0,8}?(?:放|植入|装|用|吃|做|打|得)过(?:什么|任何|啥)|"
                            r"(?:这些|这几种|这几样|这种|这类|那几种|那些|那种|上面的?)(?:病|药|情况)?(?:都|也)(?:没有|没|冇)")
# Recovered, said anywhere in the reply ("上周有感染，吃了药已经好了"): for questions about now, it is past.
# "我们考虑了一下没做": a clause that ends in not having done it, for a question about having had something
_DID_NOT = re.compile(r"(?:没有|没|未|冇)(?:开始)?(?:做|用|打|吃|放|接受|上|弄|搞|切|割|开刀|选|同意)(?:过)?(?:药|针)?[啦了的呢]?$")
_RECOVERED = re.compile(r"(?:已经)?(?:在)?(?<![没不未])好转(?:了)?|好多了|(?:已经)?吸收了|不(?:咳|烧)了|退烧了|(?:已经|早就|都)退了|已经好了|治好了|痊愈|控制住了|早就好了|已经没事了|已经消了|就好了|现在(?:都|已经)?(?:没事|好了)")
# A result said after a comma belongs to the test before it ("查过HIV抗体，阴性").
_RESULT_AFTER_COMMA = re.compile(r"[，,\s]\s*(?=(?:结果)?(?:说都|都说|说|是|都是|都|也|也是|很)?(?:没事|阴性|阳性|阴的|阳的|正常|没问题|不正常|异常|不是阳性|非阳性|干净))")
_NOT_EVEN_ONE = re.compile(r"(?<![\d一二三四五六七八九十])(?:一|1)(?:个|项|点|次|颗|片|种|样|条)(?!月|天|年|周|星期|礼拜|小时)"
                           r"([^，,。！!？?\s]{1,6}?)(?:都|也)(?:没有|没)")
_LIST_THEN_NONE = re.compile(r"^([^\s，,了]{1,6})[\s，,]+(?=[^\s，,了]{1,6}(?:都|也)(?:没有|没得|莫得|冇|没|不是)[的啊呀。.!！]*$)")
_SOMEONE_ELSE = re.compile(r"隔壁|邻床|同病房|病友|邻居|朋友|同事")
# "我妈有红斑狼疮，我自己没有": with the writer's own answer beside it, a relative's illness is their story
_MYSELF = re.compile(r"^(?:我|我本人|本人)(?:自己|本人)(?:倒|也|都|是|倒是)?(?:没有|没|有|没得过|得过|不是|是)(?:的|啊|呀|过)?$")
_RELATIVE = re.compile(r"我(?:妈|爸|母亲|父亲|老公|老婆|爱人|丈夫|妻子|姐|哥|弟|妹|儿子|女儿|奶奶|爷爷|外婆|外公|舅舅|姑姑|阿姨)|家里人|家族|亲戚")
# a detail forgotten ("具体哪个牌子忘了") beside a firm answer leaves the answer standing
_DETAIL = re.compile(r"牌子|名字|叫什么|哪家医院|哪个医院|哪一家|厂家|商品名")
_GENERIC = re.compile(r"单抗|靶向|(?:一|1)种药|什么药")  # ... unless the answer names only a class of drugs, where which one matters
_TOPIC_THEN_ANSWER = re.compile(r"^([^\s，,。]{1,6})[\s，,]+(?=(?:没有|没|无|有|不是)[的啊呀哦。.!！]*$)")
_LAB_RECOVERED = re.compile(r"(?<![没未不])(?<!没有)(?:恢复|回到正常|回升|升上来|升回|(?:复查|再查|又查)\w{0,4}正常|已经正常)")
_OTHERS_FINE = re.compile(r"^(?:其他|其它|别的|其余)")
_CLAUSE = re.compile(r"[，,。.；;！!？?\s]+")

# Ages: "52岁", "今年52", a birth year "1970年出生" (after cn2an turned 五十二 into 52).
_AGE_WORDS = re.compile(r"(\d{1,3})\s*(?:岁|周岁|虚岁)")
_BIRTH = re.compile(r"((?:19|20)\d\d)\s*年?\s*(?:出生|生(?:的|人)?|出世)|出生(?:于|在)?\s*((?:19|20)\d\d)")


_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]")


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits made plain), without emoji ("能的😊" is "能的")."""
    return _EMOJI.sub("", unicodedata.normalize("NFKC", text or "")).replace("时不时", "常常").strip()


# The medical words a homophone slip of a pinyin keyboard is put back to (怀孕, not 怀运). Only words of
# the trade: everyday words (不是, 没有, 可以) sound like too many others ("不识字" is not "不是字").
MEDICAL_WORDS = ("正常", "阴性", "阳性", "癌症", "肿瘤", "手术", "抗生素", "过敏", "怀孕", "感染", "肺炎", "肝炎", "乙肝", "丙肝",
                 "转移", "放疗", "化疗", "淋巴结", "粒子", "清扫", "大病", "激素", "避孕", "核磁", "免疫", "喂奶", "哺乳", "复发",
                 "疾病", "发烧", "咳嗽", "牛皮癣", "银屑病", "红斑狼疮", "类风湿", "艾滋病", "消炎药", "头孢", "血常规",
                 "肝功能", "肾功能", "白细胞", "血小板", "血红蛋白", "调强", "碳离子", "免疫治疗", "靶向", "转氨酶", "肌酐",
                 "冷冻", "消融", "疫苗", "特瑞普利", "卡瑞利珠", "信迪利", "替雷利珠", "帕博利珠", "纳武利尤", "单抗",
                 "拓益", "艾瑞卡", "可瑞达", "欧狄沃", "达伯舒", "百泽安", "照顾", "自理", "颈清", "甲状腺", "肿块",
                 "磁共振", "地塞米松", "泼尼松", "慢阻肺", "转氨酶", "病灶", "乳腺", "青霉素", "理解", "签字", "家务",
                 "心脏病", "过敏史", "男性", "艾滋病", "血小板", "鼻咽癌", "乳腺癌",
                 "甲状腺癌", "胃癌", "肠癌", "心肌梗塞", "心梗", "发炎", "肺气肿", "原位癌", "支架", "治疗", "下床", "严重", "恶性", "颈部", "自己签",
                 "化脓", "艾滋", "植入")
@lru_cache(maxsize=1)
def _dictionary() -> dict:
    """jieba's word list (word -> frequency), loaded once: which runs of characters are words of their own."""
    import jieba
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.dt.FREQ


def is_word(text: str) -> bool:
    """True when `text` is a word of Chinese (jieba's dictionary, or pypinyin's phrases)."""
    return text in PHRASES_DICT or _dictionary().get(text, 0) > 0


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,5}")
# Two-character names of illnesses that sound like a medical word of the list but are written right: never put
# "back" (肺癌 is not 肺炎, though 癌 can be read yan). Longer runs that are words of their own are kept likewise.
_REAL_TWO = frozenset({"肺癌", "肝癌", "胃癌", "肠癌", "喉癌", "骨癌", "血癌", "鼻炎", "胃炎", "肠炎", "咽炎", "肝炎",
                       "肺炎"})
_HAN = re.compile(r"[\u4e00-\u9fff]*")


def _sound(syllable: str) -> str:
    """A syllable as a southern ear and a pinyin keyboard may confuse it: zh/z, ch/c, sh/s, ng/n, l/n."""
    syllable = re.sub(r"^([zcs])h", r"\1", syllable)
    syllable = re.sub(r"ng$", "n", syllable)
    return re.sub(r"^l", "n", syllable)


def _keys(word: str):
    """Every way the word may sound (长 is chang or zhang: 正长 typed for 正常)."""
    readings = [sorted({_sound(r) for r in options})
                for options in pinyin(word, style=Style.NORMAL, heteronym=True, errors="ignore")]
    return {" ".join(combo) for combo in islice(product(*readings), 16)}


# Grammatical words are never taken for a slip (放了 is not 放疗, though 了 can be read liao).
_PARTICLES = set("了的着吗呢吧啊得地是有不没也都就还很")


@lru_cache(maxsize=None)
def _by_sound(words: Tuple[str, ...]) -> Dict[str, str]:
    """Sound -> word (a sound two of them share is left out)."""
    by_sound: Dict[str, set] = {}
    for word in words:
        for sound in _keys(word):
            by_sound.setdefault(sound, set()).add(word)
    return {sound: found.pop() for sound, found in by_sound.items() if len(found) == 1}


def _homophones() -> Dict[str, str]:
    return _by_sound(MEDICAL_WORDS)


# A syllable typed in pinyin where the keyboard did not turn it into a character ("没有fei炎"): put back when,
# with the characters beside it, it sounds like a medical word.
_PINYIN_BESIDE_HAN = re.compile(r"(?<=[\u4e00-\u9fff])([a-z]{1,6})(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])([a-z]{1,6})\b|"
                                r"\b([a-z]{1,6})(?=[\u4e00-\u9fff])")


_PINYIN_RUN_BESIDE_HAN = re.compile(r"(?<=[\u4e00-\u9fff])[a-z]{4,}(?![a-z])|(?<![a-z])[a-z]{4,}(?=[\u4e00-\u9fff])")


def _pinyin_typed(text: str) -> str:
    known = _homophones()

    def put_back(match: re.Match) -> str:
        syllable = next(g for g in match.groups() if g)
        start, end = match.span()
        for before, after in ((1, 0), (0, 1), (2, 0), (0, 2), (1, 1)):
            left, right = text[max(0, start - before):start], text[end:end + after]
            if len(left) != before or len(right) != after or not _HAN.fullmatch(left + right):
                continue
            readings = [sorted({_sound(r) for r in options}) for options in
                        pinyin(left, style=Style.NORMAL, heteronym=True, errors="ignore")] + [[_sound(syllable)]] + \
                       [sorted({_sound(r) for r in options}) for options in
                        pinyin(right, style=Style.NORMAL, heteronym=True, errors="ignore")]
            word = next((known[" ".join(c)] for c in islice(product(*readings), 16) if " ".join(c) in known), None)
            if word and word.startswith(left) and word.endswith(right):
                return word[len(left):len(word) - len(right)]
        return syllable

    # "肝功能都zhengchang": a word of two syllables or more, typed in pinyin beside characters
    text = _PINYIN_RUN_BESIDE_HAN.sub(lambda m: _pinyin_words(m.group()) or m.group(), text)
    return _PINYIN_BESIDE_HAN.sub(put_back, text)


# The few words a whole short reply is made of (没有, 需要, 可以, 愿意, 不清楚, 开始吧). Everyday words sound like too
# many others to be put back inside a sentence ("不识字" is not "不是字"), so these are put back only when they
# are the whole reply, the reply is not itself a word (可疑 is not 可以), and a character stays in its place.
ANSWER_WORDS = ("符合", "不符合", "好的", "是的", "没有", "没用过", "没吃过", "没做过", "没打过", "没得过", "没查过", "需要", "不需要", "愿意", "不愿意", "可以",
                "对的", "开始", "不清楚", "不知道", "不确定", "没问题")
_ANSWER_END = re.compile(r"[吧啊呀了哦的嘛]$")


def _slipped(key: str):
    """The sound with two neighbouring letters of one syllable swapped, as fast thumbs do (mie for mei)."""
    for i in range(len(key) - 1):
        if key[i] != " " and key[i + 1] != " " and key[i] != key[i + 1]:
            yield key[:i] + key[i + 1] + key[i] + key[i + 2:]



def _answer_slip(reply: str) -> str:
    """A whole reply that is a slip for one of ANSWER_WORDS, put back ("美有" -> "没有"); else the reply."""
    core, end = reply, ""
    if _ANSWER_END.search(core) and len(core) > 2:
        core, end = core[:-1], core[-1]
    if not (2 <= len(core) <= 4 and _HAN_RUN.fullmatch(core)) or core in ANSWER_WORDS or core in PHRASES_DICT:
        return reply
    known = _by_sound(ANSWER_WORDS)
    for key in sorted(_keys(core)):
        word = next((known[k] for k in (key, *_slipped(key)) if k in known), None)
        if word and len(word) == len(core) and any(a == b for a, b in zip(core, word)):
            return word + end
    return reply


# A reply typed in pinyin without characters ("kang sheng su mei yong", from a phone with no Chinese keyboard):
# written back in characters when every syllable is a word the reader knows (the medical words, the answer
# words, and these few), else left as it is.
PINYIN_SMALL_WORDS = {"you": "有", "shi": "是", "mei": "没", "bu": "不", "dui": "对", "guo": "过", "le": "了", "de": "的",
                      "wo": "我", "dou": "都", "ye": "也", "hai": "还", "yong": "用", "chi": "吃", "zuo": "做", "da": "打",
                      "ta": "他", "xing": "行", "hao": "好", "zhi": "知", "dao": "道", "ke": "可", "yi": "以"}
_SYLLABLE_WORDS = ("没有", "没用", "没吃", "没做", "没打", "不是", "是的", "有的", "对的", "知道", "不知道", "可以", "好的")


@lru_cache(maxsize=1)
def _syllables() -> frozenset:
    from pypinyin.constants import PINYIN_DICT
    plain = set()
    for readings in PINYIN_DICT.values():
        for reading in readings.split(","):
            plain.add("".join(c for c in unicodedata.normalize("NFKD", reading) if not unicodedata.combining(c)))
    return frozenset(s.replace("ü", "v") for s in plain if len(s) >= 2)


def _split_syllables(token: str) -> Optional[list]:
    """"meiyou" -> ["mei", "you"]: the fewest whole syllables, or None."""
    best = {0: []}
    for end in range(1, len(token) + 1):
        options = [best[start] + [token[start:end]] for start in range(max(0, end - 6), end)
                   if start in best and token[start:end] in _syllables()]
        if options:
            best[end] = min(options, key=len)
    return best.get(len(token))


_ONE_SYLLABLE_ANSWERS = {"neng": "能", "dui": "对", "xing": "行", "mei": "没", "meiyou": "没有"}


def _pinyin_words(latin: str, single: bool = False) -> Optional[str]:
    """Latin letters that are wholly pinyin for words the reader knows, in characters; else None."""
    syllables = []
    for token in re.findall(r"[a-z]+", latin):
        split = _split_syllables(token)
        if not split:
            return None
        syllables += split
    if single and len(syllables) == 1 and syllables[0] in _ONE_SYLLABLE_ANSWERS:
        return _ONE_SYLLABLE_ANSWERS[syllables[0]]  # "neng": a one-syllable answer, the whole reply
    if len(syllables) < 2:
        return None
    words = _by_sound(tuple(MEDICAL_WORDS) + ANSWER_WORDS + _SYLLABLE_WORDS)
    out, i = [], 0
    while i < len(syllables):
        for size in (4, 3, 2):
            key = " ".join(_sound(s) for s in syllables[i:i + size])
            if i + size <= len(syllables) and key in words:
                out.append(words[key])
                i += size
                break
        else:
            if syllables[i] not in PINYIN_SMALL_WORDS:
                return None
            out.append(PINYIN_SMALL_WORDS[syllables[i]])
            i += 1
    return "".join(out) if any(len(word) > 1 for word in out) else None


def from_pinyin(text: str) -> str:
    said = normalize(text).lower()
    if re.fullmatch(r"[a-z\s,.!?，。！？]+", said):
        return _pinyin_words(said, single=True) or text
    # "meiyou转移": the answer word in pinyin, then characters
    mixed = re.fullmatch(r"([a-z][a-z\s]*?)\s*([\u4e00-\u9fff].*)", said)
    if mixed:
        words = _pinyin_words(mixed.group(1))
        if words:
            return words + mixed.group(2)
        # "mei有": one syllable that, with the character after it, makes an answer word (没有)
        first = _ONE_SYLLABLE_ANSWERS.get(mixed.group(1).strip()) or PINYIN_SMALL_WORDS.get(mixed.group(1).strip())
        if first and any(len(w) > 1 and (first + mixed.group(2)).startswith(w) and w.startswith(first)
                         for w in ANSWER_WORDS + _SYLLABLE_WORDS):
            return first + mixed.group(2)
    return text


def _plain_keys(word: str) -> set:
    readings = pinyin(word, style=Style.NORMAL, heteronym=True, errors="ignore")
    return {" ".join(combo) for combo in islice(product(*readings), 16)}


def _straddles_a_word(text: str, start: int, end: int) -> bool:
    """True when a word of the dictionary runs across the start or the end of text[start:end] ("子里" in
    鼻子里, "并感" in 合并感染): the run is then pieces of real words, not a slip."""
    return any(is_word(text[a:b])
               for edge in (start, end) for a in range(max(0, edge - 3), edge) for b in range(edge + 1, edge + 4)
               if b <= len(text) and b - a >= 2)


def _same_sound(piece: str, word: str, text: str, start: int) -> bool:
    """True when `piece` sounds exactly like `word` (no southern-ear leeway), is not itself a word nor pieces
    of the words around it, and has no grammatical character in it."""
    if _straddles_a_word(text, start, start + len(piece)):
        return False
    usual = " ".join(r[0] for r in pinyin(piece, style=Style.NORMAL, errors="ignore"))  # 他 is ta, not tuo
    return (piece not in PHRASES_DICT and not set(piece) & (_PARTICLES | set("我你他她它们这那"))
            and usual == " ".join(r[0] for r in pinyin(word, style=Style.NORMAL, errors="ignore")))


def sounds_right(text: str) -> str:
    """Homophone slips put back: a run of 2-4 Chinese characters that sounds like a medical word, shares a
    character with it in the same place, but is written otherwise, becomes that word; a pinyin syllable
    among characters likewise; and a whole short reply that is a slip for a plain answer word."""
    text = _pinyin_typed(text)
    text = re.sub(r"(?:美|梅|莓|镁|煤|米)(?:有|又)(?=[\u4e00-\u9fff]|[。.!！~～]*$)|没又", "没有", text)  # 美有 / 米有 for 没有
    text = re.sub(r"[^，,。.；;！!？?\s]+", lambda m: _answer_slip(m.group(0)), text)
    known = _homophones()
    words = set(known.values())
    out, i = [], 0
    while i < len(text):
        for size in (4, 3, 2):
            piece = text[i:i + size]
            if piece in words:  # a medical word written right is kept whole (原位癌 is not 原胃癌)
                out.append(piece)
                i += size
                break
            if (size == 2 and piece[::-1] in words and not is_word(piece)  # 冻冷 typed for 冷冻
                    and not _straddles_a_word(text, i, i + 2)):
                out.append(piece[::-1])
                i += size
                break
            if len(piece) == size and _HAN_RUN.fullmatch(piece) and not (size > 2 and is_word(piece)) \
                    and piece not in _REAL_TWO:
                word = next((known[k] for k in sorted(_keys(piece)) if k in known), None)
                # a slip changes a character or two, never the whole word: one must stay in its place, unless
                # the run sounds exactly like the word and is no word of its own ("已干" for 乙肝, not "眼中")
                if (word and (any(a == b for a, b in zip(piece, word)) or _same_sound(piece, word, text, i))
                        and all(a == b for j, (a, b) in enumerate(zip(piece, word))
                                if a in _PARTICLES and (size < 3 or j == size - 1))):
                    out.append(word)
                    i += size
                    break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


# Two neighbouring numerals before a unit are a range, not one number: 五六个月 is 5 to 6 months, not 56.
_NUMERALS = "一二三四五六七八九"
_VALUE = {**{n: i for i, n in enumerate(_NUMERALS)}, "两": 1}
# (三四十岁 is 30 to 40; 七八年的 is a birth year, 1978.)
_RANGE = re.compile(rf"(?<![{_NUMERALS}十零〇两百千])([{_NUMERALS}两])([{_NUMERALS}])"
                    rf"(?=个|天|周|年(?!的|生|出生|人)|岁|次|月|星期|礼拜|公分|厘米|(十))")


# Words with a numeral in them that are not numbers (不一定, 一直, 一样, 四期): cn2an would make 不一定 into
# 不1定 and hide the hedge, so they are kept out of its way.
_NOT_NUMBERS = re.compile(r"一(?:直|定|样|下|起|切|般|些|会|边|向|旦|致|再|律|概|时|贯|并|阵|番|口气|方面|块|同|道|天到晚|"
                          r"半|圈|步|度|辈子|身|家|共|段|阵子|点点|点儿|点(?![零〇一二两三四五六七八九十\d几]))|"
                          r"(?:统|万|唯|不|同|专|逐)一|第[一二三四五六七八九十]|[一二两三四]次放疗|[二三四]期|两对半|"
                          r"[大小][三3]阳|十分|万分|乱七八糟|七七八八|一五一十|三番五次|不三不四")


def digits(text: str) -> str:
    """Chinese numerals turned into digits ("五十二岁" -> "52岁", "一九七零年" -> "1970年")."""
    kept: list = []

    def keep(m: re.Match) -> str:
        kept.append(m.group(0))
        return chr(0xE000 + len(kept) - 1)

    text = _NOT_NUMBERS.sub(keep, text)
    text = re.sub(r"(?<![\d一二三四五六七八九十百千])两(?=个?(?:天|周|星期|礼拜|年|次|月|小时|颗|针|项|岁))", "2", text)  # cn2an leaves 两周
    return re.sub("[\ue000-\ue0ff]", lambda m: kept[ord(m.group(0)) - 0xE000], _digits(text)) if kept else _digits(text)


def _digits(text: str) -> str:
    def as_range(m: re.Match) -> str:
        low, high, tens = m.group(1), m.group(2), m.group(3) or ""
        if _VALUE[high] != _VALUE[low] + 1:
            return m.group(0)
        return f"{low}{tens}到{high}"

    text = _RANGE.sub(as_range, text)
    try:
        with warnings.catch_warnings():  # cn2an warns with the volunteer's words: never into a log
            warnings.simplefilter("ignore")
            return cn2an.transform(text, "cn2an")
    except (ValueError, KeyError, IndexError):
        return text


# A reply that asks something or turns on a "but" ("字能签，就是…看不懂") may carry more than the answer read from
# it: the answer is read back ("想确认一下：…？") and counts only when the volunteer confirms it.
_DOUBT = re.compile(r"[?？]|(?<=[\u4e00-\u9fff])[吗伐](?=[\s，,。！!]|$)|什么|啥|怎么|为什么|哪|(?:多少|(?<![好十点\d一二三四五六七八九两])几)[^，,。\s]{0,2}[?？呢]?$|"
                    r"(?<![没不])(.)[不没]\1|但|不过(?!敏)|可是|然而|[，,\s]就是(?!这样|的|啊|呀)")
# ... but "没什么", "没啥", "什么都没有" say "nothing", and ask nothing
_NOTHING = re.compile(r"(?:没|无|不)[^，,。？?\s]{0,5}?(?:什么|啥)(?![^，,。\s]{0,6}[?？吗])|" + _NONE_AT_ALL.pattern)


def doubtful(text: str) -> bool:
    """True when a reply read as a yes or no also asks something or says "but": read back before it counts."""
    said = _NOTHING.sub("", normalize(text))
    return bool(_DOUBT.search(said))


def is_hedged(text: str) -> bool:
    return bool(_HEDGE.search(normalize(text)))


def command_in(text: str) -> Optional[str]:
    said = re.sub(r"[，,。.！!？?~～\s]", "", normalize(text))
    return next((name for name, pattern in _COMMAND.items() if pattern.match(said)), None)


def question_topic(text: str) -> Optional[str]:
    said = normalize(text)
    return next((name for name, pattern in _TOPICS if pattern.search(said)), None)


def is_question(text: str) -> bool:
    said = re.sub(r"怎么([\u4e00-\u9fff]{1,4})就怎么", r"都\1", normalize(text))  # "怎么要求就怎么做" asks nothing
    if re.search(r"没(?:有)?(?:说|讲|提|讲过|说过)?(?:什么|啥)(?:事|问题|毛病|了)?[了的啦。.!！~～]*$", said) and not re.search(r"[?？吗]", said):
        return False  # "现在没什么": nothing, not a question
    if re.search(r"(?:怎么|哪(?:里|儿)?)可能[了的啊呀呢。.!！~～]*$", said) and not re.search(r"[?？吗]", said):
        return False  # "怎么可能": it cannot be, said as a question
    if polar(re.sub(r"[呢啊呀]+[?？]?$", "", said)) and not re.search(r"吗[?？]?$", said):
        return False  # "没有呢", "有啊"
    if re.search(r"呢[?？]?\s*$", said) and (len(said) <= 3 or re.search(r"什么|怎么|哪|谁|多少|几|为什么|啥|还是", said)):
        return True  # "你呢", "然后呢", "要多久呢"; but "还在喂奶呢" is a statement
    if _NONE_AT_ALL.search(said) and not re.search(r"[?？吗呢]\s*$", said):
        return False
    asks = re.search(r"什么|怎么|多少|几|谁|哪|为|吗|呢|啥|是否", said)
    return bool(_QUESTION_END.search(said)) or bool(question_topic(said) and asks) or question_topic(said) in (
        "ask_why", "ask_explain")


def kind_of_non_answer(text: str) -> Optional[str]:
    """"person", "wait", "ack" or "question" for a message that is not an answer, else None."""
    said = normalize(text)
    if _PERSON.search(said):
        return "person"
    if _WAIT.match(said):
        return "wait"
    if _ACK.match(said) or _MISTAKE.search(said) or _MUMBLE.match(said):  # "打错了": nothing to record
        return "ack"
    if is_question(said) and (not is_hedged(said) or re.search(r"[吗伐]\s*[?？]?\s*$", said)):
        return "question"  # a question asked at the end is answered first, even beside "I don't know"
    return None


def polar(clause: str) -> Optional[str]:
    """"yes" / "no" from a plain 是 / 没有 (the whole clause)."""
    clause = re.sub(r"^(.{1,3}?)\1+$", r"\1", clause.strip())  # "没有没有", "对对对"
    if _NO.match(clause):
        return "no"
    if _YES.match(clause):
        return "yes"
    return None


# A length ("3天", "8个月", "两年多"), not a date ("5月" is May, "2020年" a year) nor how long ago ("3周前").
_DURATION = re.compile(r"(?<![\d.每隔])(?:(\d{1,3})\s*(?:到|至|-|~)\s*)?(\d{1,3}(?:\.\d+)?)\s*"
                       r"(?:个[多来]?(月)|个?[多来]?(天|日|周|星期|礼拜)|[多来]?(年))(?!前|以前|之前|\d|内|以内|之内|里|来)")
_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7, "月": 30.4, "年": 365}
_DATE = re.compile(r"((?:19|20)\d\d)\s*年(?:\s*(\d{1,2})\s*月)?")


_RELATIVE_YEARS = {"今年": 0, "去年": 1, "前年": 2}


def _years_named(said: str) -> str:
    """"去年年底" -> "2025年年底": a year named relative to today, written as the year."""
    this_year = date.today().year
    said = re.sub(r"(?<!\d)([0-2]\d)(?=\s*年\s*\d{1,2}\s*月)", r"20\1", said)  # "20年10月" is October 2020
    return re.sub("|".join(_RELATIVE_YEARS), lambda m: f"{this_year - _RELATIVE_YEARS[m.group(0)]}年", said)


def length_answer(concept, said: str, margin: float = 0.0) -> Optional[str]:
    """"yes" / "no" from a length of time ("吃了3天"), or from two dates ("2020年3月结束，2023年复发"), for
    criteria that are one."""
    if concept is None or concept.threshold_days is None:
        return None
    limit, reaching = concept.threshold_days
    # "最近一个月没吃过" names the window asked about, and a length not taken is no length
    # a range ("5到6个月") is both of its ends: it decides only when they agree
    lengths = [float(n) * _DAYS[m.group(3) or m.group(4) or m.group(5)] for m in _DURATION.finditer(said)
               if not re.search(r"(?:最近|近|过去|这|上|前)\s*$", said[:m.start()]) for n in (m.group(1), m.group(2)) if n]
    if lengths and re.search(r"(?:没有|没|未|不)(?:吃|用|打|输|服|做)(?:够|满|到|了)?[^，,。]{0,3}\d", said):
        lengths = []
    # "没超过5天" is at most 5 days: a No only where the limit is more than that; "不到5天" is less than 5
    at_most = re.search(r"(?:没有|没|未|不)(超过|过|到|够|满)?\s*(\d+(?:\.\d+)?)\s*(?:个)?(天|日|周|星期|礼拜|月|年)", said)
    if at_most and at_most.group(1) in ("超过", "过"):
        days = float(at_most.group(2)) * _DAYS[at_most.group(3)]
        lengths = [days - 0.5] if days < limit or (days == limit and not reaching) else []
    elif at_most:  # "没有5天", "不到一周": less than that
        lengths = [float(at_most.group(2)) * _DAYS[at_most.group(3)] - 0.5]
    dates = [(int(y), int(m) if m else None) for y, m in _DATE.findall(_years_named(said))]
    if not lengths and concept.year_gap and len(dates) == 2 and dates[1][0] >= dates[0][0]:
        (y1, m1), (y2, m2) = dates
        if m1 and m2:
            lengths = [((y2 - y1) * 12 + m2 - m1) * 30.4]
        elif y2 - y1 >= 2:  # a year alone is only sure to be more than 6 months when two years apart
            lengths = [(y2 - y1 - 1) * 365.0]
    # (with a margin, only lengths that far beyond or short of the limit decide: "about 10 days" for 5 or more)
    if not lengths and concept.month_gap and not dates:  # "3月底结束，8月初复发": two months, in that order
        months = [int(m) for m in re.findall(r"(?<![\d个])(\d{1,2})\s*月(?:份)?(?:底|初|中|末|中旬|下旬|上旬)?", said)
                  if 1 <= int(m) <= 12]
        if len(months) == 2 and months[0] != months[1]:
            lengths = [((months[1] - months[0]) % 12) * 30.4]
    verdicts = {"yes" if (days > limit * (1 + margin) or (reaching and not margin and days >= limit))
                else "no" if days < limit * (1 - margin) or not margin else None for days in lengths}
    return verdicts.pop() if len(verdicts) == 1 else None


# A result written as on a report: "HIV抗体(-)" is negative, "(+)" positive (full-width brackets are made
# plain by normalize).
_SIGN = (re.compile(r"\(\s*[-−]\s*\)"), "阴性"), (re.compile(r"\(\s*\+\s*\)"), "阳性")


def _decided(clause: str) -> bool:
    """True when the clause already says how it came out (a plain 没有, "艾滋病没有"), so a result after it
    is a second statement, not the first one's result."""
    return bool(polar(clause) or re.search(r"没|不|无|阴|阳|正常", clause))


# The Chinese names of the units a criterion may measure in (data/trials/*.yml `measure.unit`).
UNIT_NAMES = {"Gy": ("戈瑞", "戈")}


def read_yes_no(criterion: Criterion, text: str) -> Optional[str]:
    """"yes", "no", "not_sure", "conflict" or None (nothing decides); "yes?" / "no?" are to be read back first."""
    said = digits(sounds_right(normalize(text)))
    said = re.sub(r"(?<=[做用吃打放得有查])[郭锅国果](?=[，,。\s]|$)", "过", said)  # 做郭 typed for 做过
    said = re.sub(r"(?<=[挺很都蛮还])号(?=的|$)", "好", said)  # 挺号的 typed for 挺好的
    said = re.sub(r"莫有|么有|木有|冒有", "没有", said)  # regional 没有, so every rule that knows 没有 knows them
    said = re.sub(r"(?:伐|勿|弗)来(?:赛|三|3|事|塞)", "不行", said)  # Shanghainese 来三 ("can do"), with its 不
    said = re.sub(r"伐(?=晓得|认得|记得|清爽)", "不", said)  # Wu 伐 for 不 before a verb of knowing
    said = re.sub(r"(?<=[别其他它])得(?=癌|病|毛病|药|肿瘤)", "的", said)  # 别得癌: 得 typed for 的
    said = said.replace("知到", "知道")  # 不知到: a pinyin slip for 不知道 (知到 is no word)
    # "能是能，就是…" ("I can, it's just that…"): the word conceded is the answer, the rest a detail
    said = re.sub(r"^([\u4e00-\u9fff]{1,2})是\1(?=[，,\s]*(?:就是|但是|不过|只是|可是|但))", r"\1", said)
    said = re.sub(r"^(?:可以|能)得(?=[，,。.!！\s]|$)", "可以", said)  # 可以得 (Sichuan): a yes
    said = re.sub(r"^(?:么|冒)得(?=[的啊呀。.!！\s]|$)", "没有", said)  # 么得: a no
    said = re.sub(r"^(?:妹|美|梅|媒)有(?=[用吃打做得过的啊。.!！\s]|$)", "没有", said)  # 妹有 typed for 没有
    said = re.sub(r"^[^，,。？?\s]{1,8}[?？]\s*(?=[^?？\s])", "", said)  # "肺炎？没有哦": the question said back, then the answer
    said = re.sub(r"(?<![A-Za-z])[Pp]\s*[Dd]\s*[-—]?\s*([Ll]?)\s*1(?!\d)", lambda m: f"PD-{m.group(1).upper()}1", said)  # "P D 1"
    # speech that is not clear is not a reply that is unsure ("话也说不清楚")
    said = re.sub(r"(?:话|讲话|说话)(?:也|都)?(?:说|讲)不(?:清楚|清|利索|出来)|(?:讲话|说话|口齿)(?:也|都)?(?:不太|不大|不)(?:清楚|利索)", "口齿不清", said)
    said = re.sub(r"(?:脑子|头脑|意识)(?:也|都)?(?:不太|不大|不)清楚", "糊涂", said)  # a fact, not a hedge
    said = re.sub(r"不会(看|听)不(懂|明白)", r"\1得\2", said)  # "不会看不懂的" is "看得懂"
    # double negations ("不是不能测" is "能测", "不是没放过" is "放过"), and 10万 written out (100000)
    said = re.sub(r"没(?:有)?(?:什么|啥)?不(?=能|会|懂|明白|理解|清楚|可以)|没有不(?=正常|好)|不是不(?![是对])(?=[\u4e00-\u9fff])|不会不(?=[\u4e00-\u9fff])|不是没(?:有)?(?=[\u4e00-\u9fff])", "", said)
    said = re.sub(r"(\d+(?:\.\d+)?)\s*万", lambda m: str(round(float(m.group(1)) * 10000)), said)
    said = re.sub(r"(?<![工创写动操合])作(?=过|完)", "做", said)  # 作过 typed for 做过
    for sign, word in _SIGN:
        said = sign.sub(word, said)
    concept = concepts.concept(criterion.concept, "zh")
    if concept and concept.neutral:
        said = concept.neutral.sub("", said)
    # "十天左右": an approximate length far from the criterion's limit still decides
    exact = re.sub(r"(?<=[\d个天周月年次])左右|(?:大概|差不多|大约)(?=\s*\d)", "", said)
    if exact != said and concept and is_hedged(said) and not is_hedged(exact):
        length = length_answer(concept, exact, margin=0.3)
        if length:
            return length
    # a count being watched ("太低了还在观察") is a count out of range, not an unsure answer
    hedged = re.sub(r"(?:还)?(?:要|在|继续)观察", "", said) if concept and concept.any_no else said
    details = [c for c in _CLAUSE.split(hedged) if c and _DETAIL.search(c) and is_hedged(c)]
    rest = [c for c in _CLAUSE.split(hedged) if c and c not in details]
    if details and concept and rest and all(concept.read_clause(c) for c in rest) and not any(
            _GENERIC.search(c) for c in rest):
        hedged = "，".join(rest)  # the answer stands; the forgotten detail is the study team's to check
    if is_hedged(hedged):
        return "not_sure"
    if criterion.measure is not None:  # "一共60Gy": a dose below the criterion's is a No, whatever else is said
        units = "|".join(re.escape(u) for u in (criterion.measure.unit, *UNIT_NAMES.get(criterion.measure.unit, ())))
        amounts = {float(n) for n in re.findall(rf"(\d+(?:\.\d+)?)\s*个?\s*(?:{units})(?![a-z])", said, re.IGNORECASE)}
        if not amounts:  # "总量七十", "剂量有66以上": after a word for dose, the unit may be left out
            amounts = {float(n) for n in re.findall(r"(?:总量|剂量|总剂量)(?:只|才|就)?(?:有|是|为|在)?\s*(\d+(?:\.\d+)?)(?![\d.])", said)}
        if len(amounts) == 1:
            return "yes" if amounts.pop() >= criterion.measure.met_at_least else "no"
    concept = concepts.concept(criterion.concept, "zh")
    length = length_answer(concept, said)
    if length:
        return length
    lab_concept = concept if concept and concept.labs else concepts.concept(criterion.concept)
    labs = lab_concept.read_labs(said.lower()) if lab_concept else None
    if labs == "no" and not _LAB_RECOVERED.search(said):  # a lab value out of range ("PLT 45"): read back
        return "no"  # before it counts (unless it came back since: the clauses below weigh that)
    # ... unless what stands before it is a plain answer of its own ("没有，都是阴性")
    said = _RESULT_AFTER_COMMA.sub(lambda m: m.group(0) if _decided(_CLAUSE.split(said[:m.start()])[-1]) else "",
                                   said)
    # "一项异常都没有", "一颗药都没吃": one ... not even, said as the plain negation before the word
    said = _NOT_EVEN_ONE.sub(lambda m: f"没有{m.group(1)}", said)
    recovered = bool(concept and concept.now and _RECOVERED.search(said))
    # "in the last N years" criteria: a mention dated further back ("10年前") is a No, unless something recent is said
    dated = [int(n) for n in re.findall(r"(\d+)\s*年(?:以)?前", said)] + [
        date.today().year - int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)\s*年", said)] + [
        # "08年得过": a two-digit year of this century, as people write it (0x年 always; 1x/2x年 beside what happened)
        date.today().year - 2000 - int(beside or alone) for beside, alone in re.findall(
            r"(?<![\d.])(0\d|1\d|2[0-6])\s*年(?=得|的时候|查出|确诊|发现|做|开刀|手术|生病|患)|(?<![\d.])(0\d)\s*年(?![前后多以左])", said)]
    long_ago = bool(concept and concept.within_years
                    and (dated or re.search(r"(?:十|10)几年|几十年|很多年|好多年|多年(?:以)?前", said))
                    and all(n > concept.within_years for n in dated)
                    and not re.search(r"去年|今年|最近(?!\s*\d+\s*年)|这(?:个)?月|上个月|\d+\s*个月|[1-5]\s*年(?:以)?前", said))
    # "乙肝 丙肝都没有": items with a space or comma between them, then 都没有, are one list
    said = _LIST_THEN_NONE.sub(r"\1、", said)
    # "肺炎 没有": a topic, then a plain answer about it
    said = _TOPIC_THEN_ANSWER.sub(lambda m: m.group(1) if concept and concept.read_clause(m.group(1)) else m.group(0),
                                  said)
    signals, others_fine, last, last_none_list, last_but_doctor = set(), set(), None, False, False
    myself = any(_MYSELF.match(c) for c in _CLAUSE.split(said))
    named_yes = False  # a yes from the criterion's own words, not a bare 有的 / 是
    for clause in (c for c in _CLAUSE.split(said) if c):
        if re.match(r"^(?:我|我们|他|她)?(?:很|有点|好|就|最|也)?(?:怕|担心|害怕)", clause):
            continue  # "我很怕肝不好就不能参加了": a worry, not a fact
        if myself and _RELATIVE.search(clause) and not _MYSELF.match(clause):
            continue
        if _SOMEONE_ELSE.search(clause) and "我" not in re.sub(r"我(?=的?(?:隔壁|邻床|同病房|病友|邻居|朋友|同事))", "", clause):
            continue  # "隔壁床的阿姨做过粒子": someone else's story (family answering for the volunteer still count)
        found = concept.read_clause(clause) if concept else None
        if found == "yes" and (recovered or long_ago):
            found = "no"  # "上周有感染，已经好了", "10多年前得过"
        named_yes = named_yes or found == "yes"
        if found is None and criterion.kind == "exclusion" and (_NONE_OF_THESE.search(clause) or _DID_NOT.search(clause)):
            found = "no"
        found = found or (None if _RECOVERED.search(clause) else polar(clause))  # "现在好了" is not a yes
        if found is None and re.search(r"(?:怎么|哪里|哪儿|哪)可能[了的啊呀呢!！。]*$", clause):
            found = "no"  # "我65了怎么可能": it cannot be
        if found == "yes" and last_none_list and len(clause) <= 4:
            found = "no"  # "没有乙肝 丙肝": the second of a list after 没有
        last_none_list = bool(found == "no" and re.match(r"^(?:没有|没|无|不是|从没)(?:得过|有过)?", clause))
        if found is None and recovered and re.match(r"^(?:\d+月份?|去年|前年|以前|之前|过去|曾经|前段时间|上次)[^，,]{0,4}?(?:也)?(?:得|有|患)过", clause):
            found = "no"  # "以前得过，现在已经好了": for a question about now, past
        if found:
            last_but_doctor = bool(re.match(r"^(?:但|但是|不过|可是)(?:后来)?(?:医生|大夫)(?:说|讲|看了说)", clause))
            signals.add(found)
            if _OTHERS_FINE.match(clause):
                others_fine.add(found)
            last = found
    if labs:
        signals.add(labs)
    if len(signals) > 1 and len(others_fine) == 1 and concept and concept.any_no:
        signals -= others_fine  # "血小板偏低，其他还好": what is named decides, not "the rest"
    if len(signals) > 1 and concept and concept.any_no:
        # "白细胞掉到2点几，打了升白针，现在恢复正常了": a value that came back, said last, is where it stands
        signals = {"yes"} if last == "yes" and _LAB_RECOVERED.search(said) else {"no"}
    if len(signals) > 1 and concept and concept.any_yes and named_yes:  # (a bare 有的 beside a No decides nothing)
        signals = {"yes"}
    if signals != {"no"} and concept and concept.settles_no and concept.settles_no.search(said):
        return "no?"  # settled, but from clauses that disagree: read back before it counts
    if len(signals) > 1 and last and last_but_doctor:
        return f"{last}?"  # "…有点高，但医生说不是类风湿": the doctor's word after a "but" settles it, read back
    if len(signals) == 1:
        return signals.pop()
    return "conflict" if signals else None


_NUMERAL_SOUNDS = {"yi": "一", "er": "二", "san": "三", "si": "四", "wu": "五", "liu": "六", "qi": "七", "ba": "八",
                   "jiu": "九", "shi": "十"}
_APPROXIMATE_AGE = re.compile(r"好几|[十\d]多岁?|来岁|左右|大概|差不多|快[一二三四五六七八九十\d]|将近|出头|上下|几岁")


def _plain_sound(char: str) -> str:
    return pinyin(char, style=Style.NORMAL)[0][0]


def read_age(text: str, this_year: int):
    """(age, birth year or None) from a Chinese reply to the age question, or None; "several" when it
    names more than one."""
    # "四是九岁", "四十屋岁": a character typed for a numeral that sounds the same, between numerals or before 岁
    said = normalize(text)
    said = re.sub(r"([二三四五六七八九]?十)有([一二三四五六七八九])", r"\1\2", said)  # "五十有二" is 52
    said = re.sub(r"(?<=[一二三四五六七八九十])\s+(?=[一二三四五六七八九十])", "", said)  # "五十 三岁"
    # "无十八": a character typed for the numeral before 十 that sounds like it (not 是 / 一, which are words there)
    said = re.sub(r"(?:^|(?<=[^\u4e00-\u9fff]))([\u4e00-\u9fff])(?=十[一二三四五六七八九]?(?:岁|周岁)?[了啦。.!！]*$)",
                  lambda m: m.group(1) if _plain_sound(m.group(1)) in ("shi", "yi") else
                  _NUMERAL_SOUNDS.get(_plain_sound(m.group(1)), m.group(1)), said)
    said = re.sub(r"(?<=[一二三四五六七八九十])([\u4e00-\u9fff])(?=[一二三四五六七八九]?岁|[。.!！]*$)",
                  lambda m: _NUMERAL_SOUNDS.get(_plain_sound(m.group(1)), m.group(1)), said)
    said = re.sub(r"[，,\s]*(?:明年|下个月|过几天|马上)(?:就)?(?:要)?\s*[\d一二三四五六七八九十]+(?:岁)?(?:了)?", "", said)  # "明年就五十了"
    # "不到五十，四十九": a bound said before the age is not an age
    said = re.sub(r"(?:不到|没到|不满|快|将近)\s*[\d一二三四五六七八九十]+(?:岁)?(?:了)?[，,\s]+(?=\S*[\d一二三四五六七八九十])", "", said)
    said = re.sub(r"[\d一二三四五六七八九十]+(?:岁)?(?:不到|没到|不满)[，,\s]+(?=\S*[\d一二三四五六七八九十])", "", said)  # "七十不到，六十九"
    if _APPROXIMATE_AGE.search(said):
        return None  # "六十好几", "五十多岁", "快六十了": not an age to record; ask for the number
    said = digits(said)
    if re.search(r"\d[^\d\s，,。岁周虚]{1,2}岁", said):
        return None  # something between the number and 岁 that was not read: ask again
    full = {int(a or b) for a, b in re.findall(r"(?:周岁|实岁|足岁)\s*(\d{1,3})|(\d{1,3})\s*(?:周岁|实岁|足岁)", re.sub(r"虚岁\s*\d{1,3}", "", said))}
    if len(full) == 1:  # the age in full years counts, not the traditional one (虚岁) said beside it
        return full.pop(), None
    dated = re.search(r"(?<![\d.])((?:19|20)\d\d)\s*[./\-年]\s*(\d{1,2})\s*[./\-月]\s*(\d{1,2})(?![\d.])", said)
    # "1980.5.12": a date of birth alone gives the age (confirmed with the volunteer, as a birth year is)
    if dated and not re.search(r"\d", said[:dated.start()] + said[dated.end():]):
        year, month, day = (int(g) for g in dated.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            today = date.today()
            return this_year - year - (1 if (month, day) > (today.month, today.day) and this_year == today.year else 0), year
    born = {int(a or b) for a, b in _BIRTH.findall(said)}
    if not born:  # "68年的", "75年生", "属马的，66年": a year of the last century, as people say their birth year
        born = {1900 + int(y) for y in re.findall(r"(?<!\d)([2-9]\d)\s*年(?:的|生|出生|生人|[。.!！]*$)", said)}
    if len(born) == 1:
        year = born.pop()
        return this_year - year, year
    years = {int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", said) if int(y) <= this_year}
    if len(years) == 1 and not re.search(r"\d", re.sub(r"(?:19|20)\d\d", "", said)):
        year = years.pop()  # a year alone ("1970年") is the year of birth
        return this_year - year, year
    ages = {int(n) for n in _AGE_WORDS.findall(said)}
    if not ages:
        ages = {int(n) for n in re.findall(r"(?<![\d.])(\d{1,3})(?![\d.])", said)}
    if len(ages) == 1:
        return ages.pop(), None
    return "several" if ages else None


def consent(text: str) -> Optional[str]:
    """"yes", "no" or "not_sure" for a Chinese reply to "would you like to start?"."""
    said = sounds_right(normalize(text))
    said = re.sub(r"没(?:啥|什么|有什么)不(?:可以|行|好|方便)的?", "可以", said)  # a double negation is a yes
    said = re.sub(r"不是不(?=[\u4e00-\u9fff])", "", said)
    said = re.sub(r"算了(?=[，,。…\s.]*(?:先|就)?(?:开始|来吧|答吧|做吧|试))", "", said)  # "…算了开始吧": worries put aside
    said = re.sub(r"不用(?:等|考虑|想)了?", "", said)  # "不用等了直接开始"
    if re.search(r"(?:那就|那|就|先|直接)(?:试试|试一下|开始|来|做|答)吧?[。.!！~～]*$", said):
        return "yes"  # "…怕说不清楚，那就试试吧": the last word decides (a "but" before it has it read back)
    if is_hedged(said) or re.search(r"考虑一下|想一想|想想|要不要", said):
        return "not_sure"
    if re.search(r"(?:勿|弗|覅|唔)(?:参加|做|弄|要|想|使)|覅|等[^，,。]{0,8}再|先不(?:答|做|弄|参加)|不答|冇(?:兴趣|时间|空)|不想|(?<!要)不要|不用了?|不参加|不做|算了|(?:以后|晚点|晚些|改天|回头|有空)再|下次|没兴趣|不感兴趣|不需要|"
                 r"不方便|没空|没时间|不可以|不行", said):
        return "no"
    if re.search(r"现在(?:就)?弄吧|开始弄|^(?:好的?|好啊|可以|行|开始|开始吧|愿意|同意|没问题|嗯+|是的?|对|来吧|OK|ok)|开始|愿意|同意|参加|准备好|"
                 r"(?:可以|能)(?:答|回答|问)|答题|做题|开始答|试(?:试|一下|一试)|(?:先|就)做吧|来吧|答吧|(?:你)?问吧|现在(?:就)?(?:答|开始|做)|正好有空|"
                 r"(?<![不])(?:可以|行)的?(?=[\s，,。!！]|$)|可以(?=开|做|答|问|来)|(?:^|[\s，,])来(?:吧|呀|啊)?[!！。]*$", said):
        return "yes"
    clause = _CLAUSE.split(said)[0] if said else ""
    return polar(clause)


_TAG = re.compile(r"[，,。\s](?:这个|这|那个|那|它)?(?:应该)?(?:也)?(不)?(?:算|是|属于|符合)[^，,。？?]{0,8}?吧[?？~～]*\s*$")


def soft_answer(criterion: Criterion, text: str) -> Optional[str]:
    """"应该没问题吧" -> "yes": the firm answer a softly hedged reply gives with its soft hedges (SOFT_HEDGE) taken
    out, to read back; None when a clause beside it gives a reason for the doubt ("好久没查了", "我也看不懂") or
    disagrees, or when a hedge that is not soft stays (可能)."""
    soft = SOFT_HEDGE.sub("", text)
    if soft == text or not soft.strip("，,。 ") or is_hedged(soft):
        return None
    firm = (read_yes_no(criterion, soft) or "").rstrip("?")
    if firm not in ("yes", "no"):
        return None
    for clause in (c for c in _CLAUSE.split(soft) if c):
        if re.search(r"没(?:说|讲|提)(?:过)?(?:什么|啥)", clause):
            continue  # "医生没讲什么": nothing was said against it
        said = (read_yes_no(criterion, clause) or "").rstrip("?")
        if said in ("yes", "no") and said != firm or said not in ("yes", "no") and re.search(r"[没不未无]", clause):
            return None
    return firm


def tag_question(text: str) -> Optional[str]:
    """"…，这个算吧？" -> "yes", "…，这个不是免疫病吧？" -> "no": a statement, then a tag asking us to agree."""
    said = normalize(text)
    found = _TAG.search(said)
    if not found or not re.search(r"[\u4e00-\u9fff]{2}", said[:found.start()]):
        return None
    return "no" if found.group(1) else "yes"


def refuses(text: str) -> bool:
    """A plain refusal to start (勿弄了, 算了, 不要), whatever particle ends it."""
    return bool(re.search(r"(?:勿|弗|覅)(?:弄|做|参加|要)|算了|不要|不想|不做|不参加", normalize(text)))


def asks_to_start(text: str) -> bool:
    """"开始吗", "现在就开始伐": the volunteer asks whether to start (a yes, put as a question)."""
    return bool(re.search(r"(?:开始|开始答|答题|来|做做看|试试看|试试)(?:了)?[吗伐么呀][?？]?\s*$", normalize(text)))


def confirmation(text: str) -> Optional[str]:
    """The reply to "想确认一下：…，对吗？": yes (that is right), no (it is not) or not_sure."""
    said = sounds_right(normalize(text))
    if is_hedged(said):
        return "not_sure"
    first = _CLAUSE.split(said)[0] if said else ""
    if re.match(r"^(?:不对|不是|错了|没有|否|不)", first):
        return "no"
    if re.match(r"^(?:对|是|没错|正确|确定|嗯|好|可以|对的|是的)", first):
        return "yes"
    return None


_dictionary()  # loaded when the module is (about a second), not on a volunteer's first Chinese reply
