"""The shared catalogue of screening concepts (data/concepts/<language>.yml): the words that state
each one, and reading a reply against them ("I don't have HIV" -> No at the HIV question).

A reading looks at one clause at a time. A concept word asserted in a clause is a Yes (or a No, for
the concept's `no` words); a negation before it in the same clause ("never had", "I don't have",
"no swollen nodes") or a reassurance after it ("my lungs are clear") turns it round. Clauses that
disagree make no reading: the bot asks instead of guessing.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

CONCEPTS_DIR = Path(__file__).resolve().parent.parent / "data" / "concepts"

# Said before a concept word in the same clause, these deny it.
NEGATION = re.compile(
    r"\b(?:no|not|never|nevr|nver|nvr|neva|none|nothing|nobody|no one|without|free of|negative,? (?:for|including|incl)|ruled out|neither|nor|zero|nope|nah|"
    r"(?:have|has|had|do|does|did|is|are|was|were|wo|ca|could|would|should)n'?t|cannot|"
    r"dont|didnt|havent|hasnt|hadnt|isnt|wasnt|doesnt|cant|wont|arent|werent)\b")
# Said after a concept word, these say it is absent or harmless ("my lungs are clear").
REASSURANCE = re.compile(
    r"^\W*(?:(?:tests?|results?|scans?|levels?|counts?|numbers?|reports?|checks?|antibody|antibodies|ab|screening|screens?)\W+)?"
    r"(?:(?:is|are|was|were|looks?|seems?|came back|came out|all|both|have been|has been|have always been)\s+)*"
    r"(?:clear|clean|fine|ok|okay|normal|good|healthy|negative|neg|negitive|non-?reactive|under control|controlled|"
    r"gone|cured|not positive|not reactive|"
    r"resolved|undetectable|not detected|no (?:have|has|got))(?![\w-])")
# Words that put a mention in the past, for questions about now ("had pneumonia last year").
PAST = re.compile(
    r"\b(?:(?<!days )(?<!day )(?<!weeks )(?<!week )ago|last (?:year|winter|summer|spring|autumn|fall)|years? back|in (?:19|20)\d\d|used to|"
    r"in the past|previously|recovered|(?<!n't )(?<!not )cleared(?: up)?|got better|no longer|not any ?more|anymore|"
    r"was cured|went away|(?:is|are|has|it'?s) gone(?! up)|stopped|finished|quit|"
    r"in the (?:winter|summer|spring|autumn|fall)|(?<!have )(?<!has )(?<!'ve )(?<!'s )had)\b")
# The same, for Chinese: a negation within a few characters before the word (没有转移, 没发现转移), words after
# it that say it is absent or harmless (乙肝阴性, 肺部正常), and words that put it in the past (以前得过肺炎).
NEGATION_ZH = re.compile(r"(?:不算|不属于|不考虑|怎么(?:会|可能|能)|哪(?:里|儿)?(?:会|可能|能)|没有|没(?!多久|过多久|想到)|么有|木有|莫有|莫得|冇|冒得|呒没|唔|未|无|非|否认|勿|弗|覅|从未|从没|不是|不会|不用|不想|不要|不愿意?|不肯|不能|"
                         r"不可以|不打算|不需要|不(?:太|大|怎么)|不(?:在)?(?:吃|服|打)(?!不)|"
                         # "看不到", "查不出": a search that found nothing
                         r"(?:看|查|找|测|摸|见|量|发现|检查)不(?:到|见|出|着))")
SUGGESTED_ZH = re.compile(r"(?:建议|推荐|提议|劝|提过|说过要|说(?:过)?(?:可以|能|要|应该)|(?:可以|能)?试(?:试|一下)|让(?:我|我们|他|她)?(?:做|用|打))(?:过)?[^，,。；;]{0,6}$")
NEGATION_STOP_ZH = re.compile(r"但|可是|不过|就这|就是|就(?=[一1]个)|只有|只是")
NEGATION_WINDOW_ZH = 10  # characters: "没有查到远处有转移"
# 不 negates only what it stands right before (不是肺炎, 不会); further back it is mostly "can't" inside a verb
# (吃不消, 受不了) and says nothing about the word.
NEGATION_NEAR_ZH = re.compile(r"不(?![久少过错断同到])")
NEGATION_NEAR_WINDOW_ZH = 1
REASSURANCE_ZH = re.compile(r"^[^，,。；;]{0,6}?(?:正常(?!人)|阴性|全阴|(?:都是|是)?阴的|没问题|没事|控制住了|好了|治好了|"
                            r"痊愈了?|清除了|转阴了?|消失了|(?:不是|没有|非)阳性|"
                            # "红斑狼疮这些都没有", "免疫治疗从没打过", "消炎药都没吃"
                            r"(?:这些|这种|这类|那些|之类的?)?(?:都|也|从来|从)(?:没有|没)(?:用|吃|打|做|得|服)?过?|"
                            r"(?:这个|这些|这种)?(?:还|很久|好久|早就|好几个月)?(?:没有|没)(?:用|吃|打|做|得|服|上|查|放|植入?|种|装)?过?(?:的|了)?$|"
                            # "抗生素激素都用不着"
                            r"(?:都|也)?(?:用不着|用不上|不用|不需要))")
# Words that say it is over (得过, 治好了), and dates that put it in the past ...
OVER_ZH = re.compile(r"得过|患过|生过|早就好了|早好了|已经好了|治好了|痊愈")
PAST_ZH = re.compile(r"以前|之前|过去|曾经|那时候|那会儿|当时|的时候(?=[^，,。]{0,2}(?:用|吃|打)过)|几年前|前(?:一|两|几|\d)年|"
                     r"\d+年前|去年|" + OVER_ZH.pattern)
# ... but a date beside "found" or "diagnosed" dates the finding, not an end ("丙肝去年查出来的" is still there)
FOUND_ZH = re.compile(r"(?:查|检查|验|体检)出(?:来)?|确诊|诊断|发现")
STILL_ZH = re.compile(r"还|仍|一直|现在|正在")
# A negation counts for a concept word only this many words before it ("I don't have HIV").
NEGATION_WINDOW = 5
_DURATION = re.compile(r"(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                       r"a couple of|a few|several|half a)[\s-]*(days?|weeks?|wks?|months?|mths?|mos?|years?|yrs?)\b"
                       r"(?!\s+ago)")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "a few": 3,
                 "several": 3, "half a": 0.5}
_DAYS = {"d": 1, "w": 7, "m": 30.4, "y": 365}
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = re.compile(r"\b(jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|(?<=in )may|(?<=of )may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
                    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b")
_RECENT = re.compile(r"\b(?:last year|this year|recent\w*|(?:\d+|a|an|one|two|three|few|several|couple of) "
                     r"(?:days?|weeks?|months?) ago|currently|still|again)\b")
_MONTH_YEAR = re.compile(_MONTH.pattern + r"\W{0,3}((?:19|20)\d\d)\b")
# Said with a past mention, these keep it in the present ("diagnosed last year and not treated yet").
_STILL = re.compile(r"\b(?:still|untreated|ongoing|currently|not (?:yet )?(?:started|had|received|begun) (?:any )?"
                    r"(?:treatment|medicine|medication|therapy))\b")
CLAUSE_BREAK = re.compile(r"[.;!?\n]+|,(?!\s*(?:including|incl)\b)|\bbut\b|\bhowever\b|\balthough\b|\bthough\b")


@dataclass(frozen=True)
class Lab:
    """One test of a lab report, and the values that surely meet the criterion or surely do not."""

    pattern: re.Pattern  # the test's name, then its value and any flag
    ok: Tuple[float, float]
    bad_below: Optional[float] = None
    bad_above: Optional[float] = None
    per_ul: bool = False  # counts: over 1000 they were written per µL, not ×10^9/L
    g_dl: bool = False  # haemoglobin: under 25 it was written in g/dL, not g/L

    def read(self, match: re.Match) -> Optional[str]:
        value = float(match.group("value"))
        if self.per_ul and value >= 1000:
            value /= 1000
        if self.g_dl and value < 25:
            value *= 10
        flag = match.group("flag")
        if flag or (self.bad_below is not None and value < self.bad_below) or (
                self.bad_above is not None and value > self.bad_above):
            return "no"
        return "yes" if self.ok[0] <= value <= self.ok[1] else None


@dataclass(frozen=True)
class Concept:
    name: str
    yes: Tuple[re.Pattern, ...]
    no: Tuple[re.Pattern, ...]
    now: bool = False
    reassure: bool = True
    # A stated length of time decides, when the criterion is one ("more than 6 months", "5 days or more"):
    # (days it must exceed or reach for a Yes, whether reaching it is enough).
    threshold_days: Optional[Tuple[float, bool]] = None
    year_gap: bool = False  # two years named ("finished 2020, came back 2023"): their gap is the length
    month_gap: bool = False  # two months named ("finished in June, found in September"): same year, unless years say
    registry: Tuple[re.Pattern, ...] = ()  # words of a registry's criterion text that point to this concept
    any_yes: bool = False  # an either/or criterion ("pregnant or breastfeeding"): a Yes to one part is a Yes
    within_years: Optional[int] = None  # "in the last 5 years": a mention dated earlier than that is a No
    labs: Tuple["Lab", ...] = ()  # values of a lab report that decide ("PLT 62" -> No)
    language: str = "en"
    # "all in the healthy range": one value out of range is a No, whatever is said of the others
    any_no: bool = False
    # words that settle a reply whose clauses disagree as a No ("乙肝携带, 医生说不是活动性的": a carrier, not an
    # active infection); the answer is read back before it counts
    settles_no: Optional[re.Pattern] = None
    neutral: Optional[re.Pattern] = None  # words that say nothing either way for this criterion (taken out first)

    def starts(self, text: str) -> bool:
        """True when one of the concept's words begins the text ("swollen nodes" in "no swollen nodes")."""
        return any(p.match(text) for p in self.yes + self.no)

    def read_clause(self, clause: str) -> Optional[str]:
        """"yes", "no" or None for one clause. A match inside a longer one counts as part of it
        ("allergic" inside "allergic to shellfish")."""
        spans = [(m.start(), m.end(), polarity, m) for patterns, polarity in ((self.no, "no"), (self.yes, "yes"))
                 for pattern in patterns for m in pattern.finditer(clause)]
        kept = [s for s in spans if not any(o is not s and o[0] <= s[0] and s[1] <= o[1]
                                            and (o[1] - o[0]) > (s[1] - s[0]) for o in spans)]
        readings = {self._mention(clause, m, polarity) for _, _, polarity, m in kept}
        readings.discard(None)
        if len(readings) > 1 and self.any_yes and self.asserts_yes(clause):
            return "yes"
        return readings.pop() if len(readings) == 1 else None

    def asserts_yes(self, clause: str) -> bool:
        """True when the clause states one of the `yes` words outright (not negated, not reassured away)."""
        return any(self._mention(clause, m, "yes") == "yes" for p in self.yes for m in p.finditer(clause))

    def read_labs(self, text: str) -> Optional[str]:
        """"yes" when every lab value given surely meets the criterion, "no" when one surely does not."""
        said = [lab.read(m) for lab in self.labs for m in lab.pattern.finditer(text)]
        if "no" in said:
            return "no"
        return "yes" if said and all(s == "yes" for s in said) else None

    def read_duration(self, text: str) -> Optional[str]:
        """"yes" / "no" from a length of time stated in the reply, for criteria that are one."""
        if self.threshold_days is None:
            return None
        limit, reaching = self.threshold_days
        # "not for a few months" is how long ago, not how long
        lengths = [_length_days(m) for m in _DURATION.finditer(text)
                   if not re.search(r"\b(?:not|never|n't|none|nothing)\b(?: \w+)? (?:for|in|since)\s*$", text[:m.start()])]
        dated = [(int(m.group(2)), _MONTHS.index(m.group(1)[:3])) for m in _MONTH_YEAR.finditer(text)]
        if not lengths and self.month_gap and len(dated) == 2 and dated[1] > dated[0]:
            # "ended Dec 2022, found Feb 2023": two months, each with its year
            lengths = [((dated[1][0] - dated[0][0]) * 12 + dated[1][1] - dated[0][1]) * 30.4]
        if not lengths and self.year_gap:
            years = sorted({int(y) for y in _YEAR.findall(text)})
            if len(years) == 2 and years[1] > years[0]:
                lengths = [(years[1] - years[0]) * 365.0]
        if not lengths and self.month_gap and not _YEAR.search(text):
            months = [_MONTHS.index(m[:3]) for m in _MONTH.findall(text)]
            if len(months) == 2 and months[0] != months[1]:
                lengths = [((months[1] - months[0]) % 12) * 30.4]
        said = {"yes" if (days > limit or (reaching and days >= limit)) else "no" for days in lengths}
        return said.pop() if len(said) == 1 else None

    def long_ago(self, text: str) -> bool:
        """For "in the last N years" criteria: the reply dates what it says before that, and says nothing
        recent ("bladder cancer, but that was 12 years ago, nothing since")."""
        return bool(self.within_years) and _older_than(text, self.within_years)

    def _mention(self, clause: str, match: re.Match, polarity: str) -> Optional[str]:
        before, after = clause[:match.start()], clause[match.end():]
        if self.language == "zh":
            # a negation does not reach past a "but" or a "just this" ("没有其他的癌症就这一个鼻咽癌")
            # (a word that is itself "just this" is negated only right before it: "不是只有鼻咽癌")
            before = before[-2:] if NEGATION_STOP_ZH.match(match.group(0)) else NEGATION_STOP_ZH.split(before)[-1]
            # (a list carries its negation further: "不需要吃什么消炎药或者激素")
            window = NEGATION_WINDOW_ZH + 6 if re.search(r"(?:或者|或|和|、|以及|跟|还有)$", before) else NEGATION_WINDOW_ZH
            flipped = bool(NEGATION_ZH.search(before[-window:])
                           or NEGATION_NEAR_ZH.search(before[-NEGATION_NEAR_WINDOW_ZH:]))
            reassured, past, still = REASSURANCE_ZH.search(after), PAST_ZH.search(clause), STILL_ZH.search(clause)
            if past and FOUND_ZH.search(clause) and not OVER_ZH.search(clause):
                past = None
            if polarity == "yes" and SUGGESTED_ZH.search(before) and not re.match(r"愿意|同意|可以|能", match.group(0)):
                return None  # "医生建议做粒子": suggested is not done (what was then done is said apart)
        else:
            flipped = bool(NEGATION.search(" ".join(before.split()[-NEGATION_WINDOW:])))
            reassured, past, still = REASSURANCE.search(after), PAST.search(clause), _STILL.search(clause)
        # (in Chinese, "none of it" after a word that already says No leaves it a No: "太贵没打")
        if not flipped and self.reassure and reassured and (self.language != "zh" or polarity == "yes"):
            flipped = True
        if not flipped and polarity == "yes" and self.now and past and not still:
            flipped = True
        if not flipped and polarity == "yes" and self.within_years and _older_than(clause, self.within_years):
            flipped = True
        if not flipped:
            return polarity
        return "no" if polarity == "yes" else "yes"


def _lab(entry: dict, language: str = "en") -> Lab:
    # a value, whole ("30 times" is not 3), and not a multiple of the normal ("3 times the upper limit");
    # Chinese has no spaces between words, so its test names have no word edges, and a value is in the same clause
    test = rf"(?:{entry['test']})[^\d\n，,。；;]{{0,8}}?" if language == "zh" else \
        rf"(?<![\w-])(?:{entry['test']})(?![\w-])[^\d\n]{{0,25}}?"
    pattern = re.compile(rf"{test}(?P<value>\d+(?:\.\d+)?)(?!\.?\d)"
                         r"(?!\s*(?:times|fold|x (?:the )?(?:normal|upper|uln))\b)(?!\s*倍)"
                         r"(?:\s*(?:[x×*]\s*10\^?\d+)?\s*(?:/\s*[µu]?l|g/l|g/dl|u/l|iu/l|[µu]mol/l|mg/dl|ml/min\S*)?)?"
                         r"\s*(?P<flag>[↑↓]|\((?:h|l|high|low)\)|(?<=\s)(?:h|l)\b)?")
    return Lab(pattern, tuple(entry["ok"]), entry.get("bad_below"), entry.get("bad_above"), bool(entry.get("per_ul")),
               bool(entry.get("g_dl")))


def _older_than(clause: str, years: int) -> bool:
    """True when the clause dates what it says to more than `years` years ago ("back in 2010", "8 years ago"),
    and says nothing recent ("... and again last year")."""
    this_year = datetime.date.today().year
    named = [int(y) for y in _YEAR.findall(clause)]
    ago = [float(n) for n in re.findall(r"\b(\d+) years? ago\b", clause)]
    # a year alone is only sure to be more than 5 years back when it is 7 calendar years back (2019 in 2026)
    return bool(named or ago) and not _RECENT.search(clause) and all(this_year - y > years + 1 for y in named) and all(n > years for n in ago)


def _length_days(match: re.Match) -> float:
    """The length in days; "more than 6 months" is a little more than 6 months."""
    count = match.group(1)
    number = _NUMBER_WORDS[count] if count in _NUMBER_WORDS else float(count)
    before = match.string[:match.start()]
    if re.search(r"(?:not more than|no more than|less than|under|within|before|not even|not over)\s*$", before):
        return number * _DAYS[match.group(2)[0]] - 1
    more = re.search(r"(?:more than|over|longer than|above|at least|after more than)\s*$", before)
    return number * _DAYS[match.group(2)[0]] + (1 if more else 0)


def clauses(text: str) -> Tuple[str, ...]:
    return tuple(part.strip() for part in CLAUSE_BREAK.split(text) if part and part.strip())


def _compile(words, language: str = "en") -> Tuple[re.Pattern, ...]:
    if language == "zh":  # no spaces between Chinese words: a word matches wherever it is written
        return tuple(re.compile(word) for word in words or ())
    return tuple(re.compile(rf"(?<![\w-])(?:{word})(?![\w-])") for word in words or ())


@lru_cache(maxsize=None)
def catalogue(language: str = "en") -> Dict[str, Concept]:
    data = yaml.safe_load((CONCEPTS_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    concepts = {}
    for name, entry in data["concepts"].items():
        length = entry.get("length") or {}
        threshold = None
        if "more_than_days" in length:
            threshold = (float(length["more_than_days"]), False)
        elif "at_least_days" in length:
            threshold = (float(length["at_least_days"]), True)
        concepts[name] = Concept(name, _compile(entry.get("yes"), language), _compile(entry.get("no"), language),
                                 bool(entry.get("now")),
                                 entry.get("reassure", True), threshold, bool(length.get("year_gap")),
                                 bool(length.get("month_gap")),
                                 tuple(re.compile(word) for word in entry.get("registry") or ()),
                                 bool(entry.get("any_yes")), entry.get("within_years"),
                                 tuple(_lab(lab, language) for lab in entry.get("labs") or ()), language,
                                 bool(entry.get("any_no")),
                                 re.compile(entry["settles_no"]) if entry.get("settles_no") else None,
                                 re.compile(entry["neutral"]) if entry.get("neutral") else None)
    return concepts


def concept(name: Optional[str], language: str = "en") -> Optional[Concept]:
    return catalogue(language).get(name) if name else None


def guess(text: str, language: str = "en") -> Optional[str]:
    """The concept whose words a criterion's text mentions most, for drafting an imported protocol."""
    lowered = text.lower()
    scores = {name: 3 * sum(1 for p in c.registry if p.search(lowered))
              + sum(1 for p in c.yes + c.no if p.search(lowered))
              for name, c in catalogue(language).items()}
    best = max(scores, key=scores.get, default=None)
    return best if best and scores[best] > 0 else None
