"""Reading a volunteer's reply against the open question: an answer, or what else it is.

The reply is read with the question in mind, not on its own:
- a button click is exactly what the button says;
- commands that change or clear answers ("go back", "start over", "delete my data") count only when
  the whole message is the command, never from words inside an answer ("it came back last year");
- acknowledgements, requests to wait or for a person, questions and junk are never answers;
- an age is the number that is the volunteer's age now ("I'm 52, diagnosed at 49" -> 52), a birth
  year gives a computed age that the bot confirms;
- a yes/no answer comes from the words that state the criterion's concept (bot/concepts.py), with
  negation, from yes/no words, or from a hedge (Not sure); the NLU intent is one signal and decides
  alone only for a short reply of plain words. Signals that disagree give no answer: the bot asks.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional, Tuple

from text_to_num import alpha2digit

from bot import chinese, concepts, i18n
from bot.protocol import Answer, Criterion

# What a reading is.
ANSWER, COMMAND, QUESTION, ACK, WAIT, PERSON, JUNK, UNCLEAR = (
    "answer", "command", "question", "ack", "wait", "person", "junk", "unclear")
OFFER = "offer"  # no answer, and the NLU is sure it is a command in other words: the bot asks "did you mean ...?"
# Why a reply gave no answer (the bot says which).
YES_OR_NO, CONFLICT, NO_AGE, SEVERAL_AGES, NOT_AN_AGE, TOO_LONG = (
    "yes_or_no", "conflict", "no_age", "several_ages", "not_an_age", "too_long")
UNCLEAR_YES = "unclear_yes"  # consent in words that are not a clear yes: read back before it counts
GUESS = "guess"  # no answer, but the NLU leans to a yes or no: the bot asks "Just to be sure: ...?" before recording it
TURNING = "turning"  # an age given as the next birthday ("55 next week"): one less, read back before it counts

ANSWER_INTENTS = {"affirm": "yes", "deny": "no", "not_sure": "not_sure"}
BUTTON_ANSWERS = {"/affirm": "yes", "/deny": "no", "/not_sure": "not_sure"}
COMMAND_INTENTS = ("go_back", "start_over", "stop", "erase_data")
INFO_INTENTS = ("ask_trial_about", "ask_treatment", "ask_sponsor", "ask_size", "ask_what_happens")
SIDE_INTENTS = ("ask_why", "ask_explain") + INFO_INTENTS
# The NLU alone decides only when confident, and only for a reply of at most this many plain words.
INTENT_ALONE_CONFIDENCE = 0.9
INTENT_ALONE_WORDS = 3
# A statement the bot cannot read is taken as a side question ("what will happen?") only when the NLU is this sure.
SIDE_INTENT_CONFIDENCE = 0.9
# ... and a command in words the bot's own list does not have ("can we do the last one again"): offered, never done.
COMMAND_OFFER_CONFIDENCE = 0.8
# Where the words do not decide, a yes or no the NLU gives at least this confidence is read back as a question
# ("Just to be sure: ...?") instead of asking the same question again; it is recorded only if confirmed.
GUESS_CONFIDENCE = 0.7

# An answer is a few words; a longer message is never read as one (the bot says so).
MAX_ANSWER_CHARS = 300
# Longer messages are not even given to the NLU (rasa_addons/nlu.py); the bot asks for a shorter one.
MAX_MESSAGE_CHARS = 2000

# Words that make any reply uncertain, in either direction ("I think so", "probably not").
_HEDGES = re.compile(
    r"\b("
    # "maybe next time" is about later, not about the answer ("no PD-1 yet, maybe next time")
    r"(?:maybe|mayb|perhaps|possibly)(?! (?:next time|later|in (?:the )?future|one day|some ?day))|"
    r"probably|prob|presumably|likely|unlikely|"
    r"n[o']?t (?:really |very |totally |completely |100% )?(?:sure|certain|shure|sur)|no sure|unsure|uncertain|"
    r"(?:are|is|were|was|do|does|did)n'?t (?:really |quite |yet )?(?:sure|certain)|"
    r"(?:isn'?t|wasn'?t|aren'?t|hasn'?t been|haven'?t been|not been) (?:yet )?confirmed|"
    r"(?:don'?t|do not|didn'?t) (?:understand|know) (?:if|whether)|"
    r"i (?:think|guess|believe|suppose|reckon|assume)|think so|(?:don'?t|do not|dont) think|"
    r"(?:don'?t|do not|dont|not) (?:really )?(?:know|kno|knw|remember|recall)|dunno|idk|"
    r"suspicious|(?:didn'?t|did not|doesn'?t|does not|haven'?t|have not|hasn'?t|has not) (?:yet )?"
    r"(?:say|said|tell|told|explain\w*|confirm\w*)|nobody (?:gave|told|said)|"
    r"no (?:idea|clue)|not a clue|who knows|"
    r"can'?t (?:remember|recall|say|tell)|cannot (?:remember|recall|say|tell)|i (?:forgot|forget)|forgotten|"
    r"(?:look|check) (?:at |in |through )?my (?:records|papers|notes|documents|files|reports)|"
    r"not that i (?:know|remember|am aware)|as far as i (?:know|remember)|afaik|"
    r"might|may have|may be|could be|"
    r"(?<!this )(?<!that )(?<!any )(?<!the )(?<!what )(?<!every )(?<!which )kind of|kinda|"
    r"(?<!this )(?<!that )(?<!any )(?<!the )(?<!what )(?<!every )sort of|sorta|hard to say|doubt|50 ?50|"
    r"fifty ?fifty|some days|sometimes|on and off|it depends|depends|it varies|"
    r"ask my doctor|check with (?:my|the) doctor|(?:need|have) to (?:check|think|talk|speak|ask|discuss)|"
    r"think about it|not decided|undecided|haven'?t decided|"
    r"suspect\w*|not (?:yet )?confirmed|unconfirmed|pending|versus|vs|unclear|indeterminate|equivocal|"
    r"possible (?:recurrence|tumou?r|cancer|spread|metasta\w*|infection|disease|lesion)|"
    r"(?:is |are )?(?:checking|to (?:see|check|find out)) (?:if|whether) (?:it'?s|it is|i have|i'?ve got|"
    r"there'?s|there is|"
    r"it has|he has|she has)|"
    r"needs? (?:a )?follow[- ]?up|(?:hasn'?t|has not|haven'?t|have not|not) (?:been )?(?:biopsied|tested|checked) yet|"
    r"waiting (?:for|on) (?:the |my |a )?(?:[\w-]+ ){0,2}(?:results?|biopsy|scans?|mri|ct|pet|reports?|"
    r"diagnosis|tests?|x-?rays?|ultrasound|bloods?|blood work|"
    r"confirmation)|(?:don'?t|do not|didn'?t) understand (?:the |my )?(?:report|results?|letter)|"
    r"that i'?m aware of|that i know of|as far as i'?m aware|not aware of any|"
    r"(?:never|not|didn'?t|did not) (?:said|say|told (?:me|us)|tell (?:me|us)) what|"
    r"waiting to (?:know|hear|see|find out) (?:if|whether)|"
    r"(?:don'?t|do not|not|haven'?t|have not) (?:have|got|get|received|had) (?:the |my |any )?results?(?: yet)?|"
    r"results? (?:aren'?t|are not|not) "
    r"(?:back|in|ready)|no results? yet|never (?:been )?(?:done|biopsied)|(?:biopsy|test|scan) (?:was |"
    r"is )?(?:never|not) "
    r"(?:done|taken)|"
    r"(?:not|haven'?t|have not|never) (?:been |had (?:it |them |that )?)?(?:tested|checked)(?! (?:positive|negative))|"
    r"(?:nobody|no one|no-one) (?:has |have |ever )?(?:told|said|checked|diagnosed|explained|tested)|"
    r"(?:haven'?t|have not|not) (?:yet )?(?:done|taken|had) (?:a |the |any )?(?:[\w-]+ )?tests? yet"
    r")\b"
)

# Whole messages that acknowledge, ask to wait, or ask for a person: never answers.
_ACK_WORDS = (r"ok(?:ay|ey)?|k|kk|alright|all right|right|fine|hmm+|hm+|mm+|uh+|um+|ah+|oh+|i see|got it|understood|"
              r"noted|cool|great|nice|good|thanks?|thank you(?: very much| so much)?|thx|ty|cheers|sounds good|"
              r"thanks? (?:for that|a lot)|appreciate it|hello|hi|hey|hiya|good (?:morning|afternoon|evening)|:\)|"
              r"lol|wow|really")
# One to three of them ("ok", "hmm ok", "ok noted, thanks").
_ACK = re.compile(rf"^(?:{_ACK_WORDS})(?:[\s,.!]+(?:{_ACK_WORDS})){{0,2}}\W*$")
_WAIT = re.compile(
    r"^(?:(?:ok|okay|sorry|please|um+|hmm+|wait|oh)\W+)*"
    r"(?:wait|hold on|hang on|one (?:moment|minute|min|second|sec)|just a (?:moment|minute|min|second|sec)|"
    r"a (?:moment|minute|min|sec|second)|give me (?:a|one|some) (?:moment|minute|min|sec|second|time)|"
    r"brb|be right back|(?:let|lemme) me (?:check|look|find|see|ask|get)|let me (?:check|look|find|see|ask|get)|"
    r"lemme (?:check|look|find|see|ask|get)|i(?:'ll| will| need to| have to|'m going to| must) "
    r"(?:check|look|find|ask|get|go)|checking|looking)\b")
_PERSON = re.compile(
    r"\b(?:real|actual|live) (?:person|human|people)|\b(?:talk|speak|chat) (?:to|with) (?:a |an |the |someone|somebody|"
    r"person|human|doctor|nurse|staff|coordinator|researcher|study team)|\bhuman (?:being|please)|"
    r"\b(?:call|phone) me\b|\bagent\b|\boperator\b|\bare you (?:a )?(?:bot|robot|human|real)\b|"
    r"\bcontact (?:the )?(?:study team|doctor|someone)")

# Commands, as whole messages: polite words around the command and nothing else.
_POLITE = r"(?:(?:please|pls|plz|can (?:we|i|you)|could (?:we|i|you)|i (?:want|wanna|would like|'d like|need) to|" \
          r"i want|let'?s|lets|ok|okay|sorry|oops|wait|actually|um+|no)\W+)*"
_COMMANDS = {
    "go_back": re.compile(
        r"^" + _POLITE + r"(?:go (?:back|to the (?:previous|last) question)|back|previous(?: question)?|"
        r"undo(?: that| it)?|"
        r"(?:return|go) to the (?:previous|last) question|(?:return|go) to the question before|"
        r"(?:change|correct|fix|edit) (?:my |the |that )?(?:last |previous )?answer|"
        r"i (?:made a mistake|pressed the wrong (?:button|one)|answered wrong(?:ly)?)|wrong (?:answer|button)|"
        r"(?:take me|let me go) back)(?: (?:please|to the (?:last|previous) question|one question))*$"),
    "start_over": re.compile(
        r"^" + _POLITE + r"(?:start (?:over|again|from (?:the beginning|scratch))|restart|begin again|"
        r"reset(?: (?:my |all (?:my )?)?(?:answers|responses))?|from the (?:beginning|start)|"
        r"clear (?:all )?(?:my |the )?(?:answers|responses)|clear (?:everything|all))(?: please)?$"),
    "stop": re.compile(
        r"^" + _POLITE + r"(?:stop|quit|exit|end|cancel|pause|enough|bye|goodbye|good bye|"
        r"i'?m done|i am done|(?:stop|end|quit) (?:this|the|now|here|the questions|the screening|it)|"
        r"no more(?: questions)?|(?:i )?(?:don'?t|do not) want to (?:continue|go on|do this)(?: any ?more)?|"
        r"(?:let'?s )?(?:stop|finish) (?:here|now|for now|for today))"
        r"(?: (?:please|now|for now|for today|thanks?|thank you))*$"),
    # Deleting always asks "do you want me to delete ...?" first; still, only a request addressed to the bot.
    "erase_data": re.compile(
        r"^" + _POLITE + r"(?:(?:please )?(?:you )?(?:delete|erase|remove|forget|wipe|get rid of|scrap|bin|destroy|"
        r"purge)\b.*\b(?:data|information|info|details|answers|responses|conversation|chat|everything|me|"
        r"records?|them|it|what i (?:said|told you|wrote)|e-?mail|phone|number|address|contact)\b|(?:do not|"
        r"don'?t|dont) (?:keep|store|save)\b.*|"
        r"(?:my )?(?:data|information|info|details|answers) (?:wiped|deleted|erased|removed|gone))(?: please)?$"),
}
# Words that may stand beside a command without changing it ("stop, thanks", "I changed my mind").
_COMMAND_FILLER = re.compile(r"^(?:please|thanks?|thank you|sorry|ok|okay|hi|hello|now|i changed my mind|"
                             r"changed my mind|i'?m done|i am done)$")

# Words of a volunteer's story that sound like navigation: never a reason to offer "go back", "stop" or "start over".
_STORY = re.compile(r"\b(?:came|come|comes|coming) back|\bback (?:then|in|pain|when)|\bmy back\b|\bstarted\b|"
                    r"\bstopped\b|\bagain\b|\bremoved\b|\blast (?:year|month|week|time)\b")
# Questions: ends with "?" or opens like one.
_QUESTION = re.compile(
    r"\?\s*$|^(?:what|why|how|who|whom|whose|where|when|which|is (?:it|this|there|that)|are (?:you|there|they)|"
    r"does|do (?:you|i|they|we)|did (?:you|they)|can (?:i|you|we)|could (?:i|you)|"
    r"will (?:i|you|it|they|this|someone|anyone|somebody|anybody|the)|"
    r"would (?:i|you|it)|should (?:i|we)|may i|tell me)\b")
# After the verdict, and asked at any time: what the volunteer could do now, and where other trials are.
NEXT_STEPS, OTHER_TRIALS = "next_steps", "other_trials"
_NEXT_STEPS = re.compile(
    r"\bwhat (?:should|shall|could|would you (?:suggest|recommend)(?: that)?) i do(?: now| next| instead| then| "
    r"from here| about (?:it|this|that))?$|"
    r"\bwhat (?:can|do|should|shall|could) i do (?:now|next|instead|from here)\b|"
    r"^(?:so |and |ok(?:ay)? |well |then |but )?(?:what now|now what|what next|what(?:'s| is| are) (?:the |my )?next "
    r"steps?|what are my options|what options do i have|where do i go from here|where (?:do|can|should) i go now|"
    r"what do you (?:suggest|recommend)|what else can i do|any (?:advice|suggestions?))(?: then| now)?$")
_OTHER_TRIALS = re.compile(
    r"\b(?:are there|is there|do you have|have you got|do you know(?: of)?|any)\s+(?:any\s+)?(?:other|another|"
    r"different|similar|more)\s+(?:clinical\s+)?(?:trials?|studies|study)\b|"
    r"\b(?:other|another|different|similar)\s+(?:clinical\s+)?(?:trials?|studies|study)\s+(?:for me|i (?:can|could|"
    r"might|may) (?:join|try|do|take part in|be in)|(?:that|which) (?:might|could|would|may) (?:suit|fit|help) me)\b|"
    r"\b(?:where|how) (?:can|could|do|should) i (?:find|look for|search for|get into) (?:a |an |another |other |"
    r"more )?(?:clinical )?(?:trials?|studies|study)\b|"
    r"\b(?:find|look for|search for) (?:me )?(?:a |an |another |other |more |a different )?(?:clinical )?"
    r"(?:trials?|studies)\b|\bwhat (?:other|else) (?:trials?|studies)\b|\bclinicaltrials(?:\.gov)?\b|"
    r"\b(?:trials?|studies|study) (?:that |which )?(?:would |might |could )?(?:suit|fit) me\b|"
    r"\b(?:check|look at|try) (?:the |your |all the )?(?:other|another|site'?s other) (?:clinical )?(?:trials?|studies|study)\b|"
    r"\b(?:show me|tell me about|list) (?:the |your |all the )?(?:other |another )?(?:clinical )?(?:trials|studies)\b|"
    r"\bwhat (?:clinical )?(?:trials?|studies) (?:could|can|might) i (?:join|do|take part in|be in)\b")
_TOPICS = (
    (NEXT_STEPS, _NEXT_STEPS),
    (OTHER_TRIALS, _OTHER_TRIALS),
    ("who_answers", re.compile(r"\banswer (?:for|as) (?:me|him|her|them|myself)\b|"
                               r"\bfor me or (?:for )?(?:him|her|them)\b|"
                               r"\bon (?:his|her|their) behalf\b|\bwho should answer\b")),
    ("skip", re.compile(r"\bskip\b|\bpass\b|next question|don'?t want to (?:answer|say|tell)|rather not (?:say|"
                        r"answer)")),
    ("privacy", re.compile(r"\b(?:who (?:will |can |gets to )?(?:see|read|has|have access)|privacy|private|"
                           r"confidential|safe|secure|stored?|keep (?:my|the) (?:data|answers|information)|"
                           r"my (?:data|information|answers|details) (?:safe|go|used)|share|sell)\b")),
    ("progress", re.compile(r"\bhow (?:many|much) (?:more )?(?:questions?|longer|time|left|more)|"
                            r"questions? (?:are )?left|"
                            r"\bhow long\b.*\b(?:take|left|last)|almost (?:done|finished)|nearly (?:done|finished)")),
    ("payment", re.compile(r"\b(?:paid|pay|payment|cost|costs|money|free|fee|fees|compensat\w*|reimburs\w*|"
                           r"insurance|expenses?|travel)\b")),
)
# Asked in words the NLU may not know; its intent is preferred when it names one of the side questions.
_FALLBACK_TOPICS = (
    ("ask_sponsor", re.compile(r"\bwho (?:runs|is running|leads|is in charge|are the (?:researchers|doctors))|sponsor|"
                               r"\b(?:which|what) (?:hospital|institution|organi[sz]ation|cent(?:er|re))\b|"
                               r"researchers")),
    ("ask_size", re.compile(r"\bhow many (?:people|patients|volunteers|participants|subjects)")),
    ("ask_what_happens", re.compile(r"\bwhat (?:will|would|happens|is going to) (?:happen|i have to do)|"
                                    r"\bnext steps?\b|will (?:someone|anyone|they) (?:contact|call)|"
                                    r"\bwhat happens (?:now|next)\b")),
    ("ask_treatment", re.compile(r"\b(?:treatments?|drugs?|medicines?|therapy|carbon|camrelizumab|radiotherapy)\b")),
    ("ask_trial_about", re.compile(r"\bwhat(?:'s| is) (?:this|the) (?:trial|study)(?: about)?|about (?:this|the) "
                                   r"(?:trial|study)")),
    ("ask_why", re.compile(r"^why\b|\bwhy (?:do|are|is|does) (?:you|this|that|it)|\breason\b|\bwhat for\b")),
    ("ask_explain", re.compile(r"\bmean\b|\bmeaning\b|\bexplain\b|\bdon'?t understand\b|^what (?:is|are|"
                               r"'s) (?:a |an )?\w+$")),
)

# Yes and no words, at the start of a clause; "I do", "it has" and the like only in a short clause.
_YES = re.compile(
    r"^(?:uh[ -]?huh|mhm+|mm[ -]?hmm+|yes+|yess|yse|ys|ye|yeah?|yea|yeh|yah|ya|yep|yup|y|sure|of course|ofc|"
    r"definitely|absolutely|certainly|"
    r"correct|indeed|affirmative|that'?s (?:right|correct|true)|true|right)\b")
_FILLER = re.compile(r"^(?:(?:so|then|and|well|ok|okay|oh|um+|uh+(?![ -]?huh)|hmm+|ah+|"
                     r"(?:he|she|they|my \w+|dad|mum|mom) (?:says?|said))\W+)+")
_YES_IDIOM = re.compile(r"^(?:no problem\w*|no probl\w*|no prob|no worries|why not|(?:i )?(?:don'?t|do not) mind|"
                        r"no objection\w*|happy to)\b")
_AUX_YES = re.compile(
    r"^(?:i (?:do|have|am|did|can|will|would|could|had|was)|i'?ve (?:had|been|got)|i'?m|it (?:is|has|was|did|does)|"
    r"they (?:did|have|are|were|do)|(?:he|she) (?:is|has|does|did|was|had|can)|we (?:are|will|can|do))"
    r"(?: (?:it|that|so|one|them|some|already|before|too|indeed|once|twice|done|had|been|got|yes|sure|definitely))*$")
_NO = re.compile(
    r"^(?:no+|nope+|nah|naw|nop|n|neg|never|nevr|nver|neva|nvr|not at all|none|negative|not really|nothing|not me|"
    r"not yet|nein|no way|"
    r"not any ?more|no longer|not (?:in|within) (?:the )?(?:last|past)|not (?:at the moment|now|currently|"
    r"right now|at present|these days)|"
    r"(?:not|no) (?:have|has|had|use|used|using|take|took|taking|need|needed|get|got|do|did))\b")
# "I don't", "it hasn't" and the like: a No only in a short clause ("no I haven't"), not in a statement.
_AUX_NO = re.compile(
    r"^(?:i (?:don'?t|do not|dont|haven'?t|have not|havent|didn'?t|did not|didnt|am not|can'?t|cannot|cant|won'?t|"
    r"wont|wouldn'?t|would not|was not|wasn'?t)|i'?m not|(?:it|he|she|they|we) (?:isn'?t|hasn'?t|wasn'?t|didn'?t|"
    r"doesn'?t|don'?t|haven'?t|aren'?t|weren'?t|is not|has not|was not|did not|does not|do not|have not))\b")
# "no it spread" is "no" and "it spread": a yes or no word opening a clause is a clause of its own,
# unless the concept's words follow it at once ("no swollen nodes").
_LEADING_WORD = re.compile(r"^(yes+|yeah|yep|yup|ya|yah|no+(?! one\b)|nope|nah)\s+")
# A clause with one of these says something about the words before it ("no, lungs fine"): a "no" before it
# is an answer of its own, not a "no" that negates the concept's words ("no swollen nodes").
_PREDICATE = re.compile(r"\b(?:fine|ok|okay|clear|clean|normal|good|healthy|low|high|won'?t|wont|refuse|will not|not|"
                        r"is|are|was|were|can'?t|cant|cannot|unable|never|don'?t|doesn'?t|didn'?t|isn'?t|wasn'?t|neg|"
                        r"negative|negitive|non-?reactive|nothing|none)\b")
# "no have metastasis": a "no" before a verb negates what follows, as non-native English often puts it.
_VERB_AFTER_NO = re.compile(r"(?:have|has|had|use|used|take|took|need|needed)\b")
# Words that, after a leading yes or no, begin a clause of its own ("no, just chemo", "no im male").
_OWN_CLAUSE = re.compile(r"(?:only|just|never|nevr|nver|not|i|i'?m|im|it|it'?s|he|she|they|we|my|his|her|the|"
                         r"there|that|"
                         r"this|so|mostly|already|still|nothing|none|because|since|in|on|at|to|for|with|from|by|after|"
                         r"before|during|a|an|some|very|too|all|always|usually|most)\b")
# Saying one is well: a No to the exclusions ("I'm fine"), nothing for the inclusions.
_WELL = re.compile(r"^(?:i'?m|i am|im|he'?s|she'?s|he is|she is|all|everything'?s?|everything is)\s+(?:(?:very|quite|"
                   r"pretty|perfectly|totally)\s+)?(?:fine|ok|okay|good|well|healthy|alright|all right|great)\b")
# "I don't have this kind of disease", "haven't had any of those drugs": No to an exclusion question.
_NONE_OF_THESE = re.compile(r"\b(?:(?:don'?t|do not|doesn'?t|does not|no|not|never|haven'?t|have not|hasn'?t|has not)\s+"
                            r"(?:have|has|had|taken|take|got|received|used|need|needed|done)\s+(?:any\s+(?:of\s+)?)?"
                            r"(?:this|that|these|those|such|them|either|both|anything like (?:that|this))\b"
                            r"(?:\s+(?:kind|kinds|type|types|sort)(?:\s+of)?)?|nothing like (?:that|this)|"
                            r"no (?:have|has|got)\s*$)")
_PLAIN_WORD = re.compile(r"^[a-z']+$")
_LATIN_WORD = re.compile(r"[a-z]{2,}")
_CODE = re.compile(r"<\s*(script|style)\b.*?(?:<\s*/\s*\1\s*>|$)|<[^>]*>?|\{\{.*?\}\}|\$\{.*?\}|\{%.*?%\}|"
                   r"\b(?:alert|eval|prompt|confirm|console\.\w+|document\.\w+|window\.\w+)\s*\([^)]*\)|"
                   r"\bjavascript:\S*|\\x[0-9a-f]{2}|%[0-9a-f]{2}|;\s*--|\bdrop table\b\s*\w*|"
                   r"\bselect\s+\*\s+from\s+\w+|\bor\b\s*'?1'?\s*=\s*'?1'?|\bunion\b\s*\bselect\b")

# What a broken form or program sends in place of words ("NaN", "undefined", "[object Object]").
_PLACEHOLDER = re.compile(r"\b(?:nan|null|undefined|object object|#value!?|#n/a)\b|\[\s*\]|\{\s*\}")


@dataclass(frozen=True)
class Reading:
    """What one reply is, read against the open question."""

    kind: str
    answer: Optional[Answer] = None
    detail: str = ""  # the command, the question's topic, or why there was no answer
    numbers: Tuple[int, ...] = ()  # the ages seen, to say what was read
    derived_from: Optional[int] = None  # an age worked out from this birth year
    typed: bool = True  # False for a button click

    @property
    def is_answer(self) -> bool:
        return self.kind == ANSWER


def normalize(text: str) -> str:
    """Lower-case, NFKC-folded, apostrophes unified, outer punctuation and spaces trimmed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .!?,;:~-")


def is_hedged(text: str) -> bool:
    return bool(_HEDGES.search(normalize(text)))


_GREETING = re.compile(r"^(?:hi|hello|hey|hiya|heya|hallo|helo|hii+|heyy+|yo|howdy|greetings|good (?:morning|afternoon|"
                       r"evening|day)|morning|你好|您好|嗨|哈喽|哈罗|早上好|上午好|下午好|晚上好|大家好)(?: there| again| bot|啊|呀|！|!)?$")


def is_greeting(text: str) -> bool:
    return bool(_GREETING.match(normalize(text)))


def is_junk(text: str) -> bool:
    """No word (English or Chinese) once markup, templates and code are taken out."""
    readable = _PLACEHOLDER.sub(" ", _CODE.sub(" ", normalize(text)))
    if re.fullmatch(r"\s*(\w)\1{3,}\s*", readable):  # one key held down: "ssssssss"
        return True
    return not (_LATIN_WORD.search(readable) or re.search(r"\d", readable) or readable in ("y", "n", "k")
                or i18n.written_in(readable) == i18n.CHINESE)


def _chinese(text: str) -> bool:
    """Replies written in Chinese are read by bot/chinese.py, with the same rules."""
    return i18n.written_in(text) == i18n.CHINESE


def command_in(text: str) -> Optional[str]:
    """The command a whole message gives ("go back", "please start over", "cancel, I don't want to
    continue"), else None: every part of the message must be that command or a polite word."""
    if _chinese(text):
        return chinese.command_in(text)
    parts = [p.strip(" .!?,;:~-") for p in re.split(r"[,.;!?\n]+", normalize(text))]
    found = set()
    for part in filter(None, parts):
        name = next((name for name, pattern in _COMMANDS.items() if pattern.match(part)), None)
        if name:
            found.add(name)
        elif not _COMMAND_FILLER.match(part):
            return None
    return found.pop() if len(found) == 1 else None


def non_answer(text: str) -> Optional[Reading]:
    """An acknowledgement, a request to wait or for a person, a question, or junk; else None."""
    cleaned = normalize(text)
    if is_junk(text):
        return Reading(JUNK)
    if _chinese(text):
        kind = chinese.kind_of_non_answer(text)
        if kind == QUESTION:
            return Reading(QUESTION, detail=chinese.question_topic(text) or "")
        return Reading(kind) if kind else None
    if _ACK.match(cleaned):
        return Reading(ACK)
    if _PERSON.search(cleaned):
        return Reading(PERSON)
    wait = _WAIT.match(cleaned)
    if wait:
        rest = cleaned[wait.end():].strip(" ,.!?;:-")
        if not rest or _WAIT.match(rest) or not (re.match(r"(?:wait|hold on|hang on)\b", cleaned)):
            return Reading(WAIT)
        return non_answer(rest)
    asked = (text or "").rstrip().endswith(("?", "\uff1f")) and not is_hedged(cleaned)
    if (_QUESTION.search(cleaned) or asked or dict(_TOPICS)["skip"].search(cleaned) or _LOST.search(cleaned)
            or _NEXT_STEPS.search(cleaned) or _OTHER_TRIALS.search(cleaned)):
        return Reading(QUESTION)
    return None


# Not understanding the question is asking what it means.
_LOST = re.compile(r"\b(?:i )?(?:don'?t|do not|dont) (?:understand|get)(?: (?:it|this|that|the question|your question|"
                   r"the word|what you mean))?$|what do you mean|"
                   r"\b(?:i'?m|i am) confused\b|confusing question")


def question_topic(text: str, intent: Optional[str] = None, confidence: float = 1.0) -> Optional[str]:
    """What a question is about: our own topics, else the NLU's side-question intent when it is sure,
    else a few words, else the NLU's guess."""
    if _chinese(text):
        return chinese.question_topic(text)
    cleaned = normalize(text)
    topic = next((topic for topic, pattern in _TOPICS if pattern.search(cleaned)), None)
    if topic is None and intent in SIDE_INTENTS and confidence >= SIDE_INTENT_CONFIDENCE:
        topic = intent
    topic = topic or next((topic for topic, pattern in _FALLBACK_TOPICS if pattern.search(cleaned)), None)
    return topic or (intent if intent in SIDE_INTENTS else None)


def confirmation(text: str) -> Optional[str]:
    """"yes", "no" or "not_sure" when a reply to a yes/no check says so plainly (or is a button), else None."""
    stripped = (text or "").strip()
    if stripped in BUTTON_ANSWERS:
        return BUTTON_ANSWERS[stripped]
    stripped = chinese.from_pinyin(stripped)  # "dui de" typed without a Chinese keyboard
    if _chinese(stripped):
        return chinese.confirmation(stripped)
    cleaned = normalize(stripped)
    if is_hedged(cleaned):
        return "not_sure"
    said = {_polar(clause) for clause in _clauses(cleaned)} - {None}
    return said.pop() if len(said) == 1 else None


# ----------------------------------------------------------------------------- ages

_AGE_BEFORE = re.compile(r"(?:\b(?:i'?m|i am|im|age[ds]?|aged|my age is|age is|turned|just turned|he'?s|she'?s|he is|"
                         r"she is|is|am|i'?m now|now)\W*)$")
_AGE_AFTER = re.compile(r"^\W*(?:years?|yrs?|y/?o|yo|yeas?rs?|yeras?|years? of age|years? old|old)\b")
_NOT_AGE_BEFORE = re.compile(r"(?:\b(?:at|since|in|on|for|after|before|when (?:i|he|she) was|diagnosed|"
                             r"will be|i'?ll be|be|turn|turning|nearly|almost|going on|until|till|by|of|from|to|about|gy|cm|mm|x|number|"
                             r"no\.?|#|dose|had|got|took|was)\W*)$")
_NOT_AGE_AFTER = re.compile(r"^\W*(?:gy|cm|mm|kg|%|days?|weeks?|months?|times|sessions|fractions|cycles|rounds|"
                            r"next|ago|later|after|pm|am|th|st|nd|rd|x)\b")
_GLUED_NUMBER = re.compile(r"\b(twenty|thirty|forty|fourty|fifty|sixty|seventy|eighty|ninety)"
                           r"(one|two|three|four|five|six|seven|eight|nine)\b")
_BORN = re.compile(r"\b(?:born|birth|b\.|dob|birthday|year of birth)\b")
# The age at the next birthday: "55 next week", "turning 55 next month", "I'll be 55 soon".
_NEXT_BIRTHDAY = re.compile(r"(?:\b(?:turning|will be|i'?ll be|gonna be|going to be)\s+(?P<a>\d{1,3})\b(?!\s*(?:years? )?ago)|"
                            r"\b(?P<b>\d{1,3})\s*(?:years? old\s*)?(?:next (?:week|month)|soon|this (?:coming )?(?:week|month)|"
                            r"in (?:a|\d+|a few) (?:days?|weeks?)))")


def _numbers(text: str):
    text = _GLUED_NUMBER.sub(r"\1 \2", text)
    try:
        text = alpha2digit(text.replace("-", " "), "en")
    except Exception:  # text2num rejects some odd inputs; then there is no number in words
        pass
    text = re.sub(r"(\d)(yo|y/o|yrs?|years?)\b", r"\1 \2", text)
    found = re.finditer(r"(?<![\d.,/:])\d{1,4}(?![\d.,/:]\d)", text)
    return text, [(int(m.group()), m.start(), m.end()) for m in found]


def read_age(criterion: Criterion, text: str, today: Optional[datetime.date] = None) -> Reading:
    """The volunteer's age now, from a reply to the age question."""
    today = today or datetime.date.today()
    cleaned = normalize(text)
    spelled, numbers = _numbers(cleaned)
    born = _BORN.search(spelled)
    years = [n for n, _, _ in numbers if 1900 <= n <= today.year]
    if years and (born or len(numbers) == 1):
        if len(set(years)) == 1:
            return Reading(ANSWER, today.year - years[0], derived_from=years[0])
        return Reading(UNCLEAR, detail=SEVERAL_AGES, numbers=tuple(sorted(set(years))))
    cued, plain = [], []
    for number, start, end in numbers:
        before, after = spelled[:start], spelled[end:]
        if _AGE_BEFORE.search(before) or _AGE_AFTER.match(after):
            cued.append(number)
        elif not (_NOT_AGE_BEFORE.search(before) or _NOT_AGE_AFTER.match(after)):
            plain.append((number, start))
    candidates = sorted(set(cued)) or sorted({n for n, _ in plain})
    if len(candidates) == 1:
        age = candidates[0]
        if age not in criterion.plausible:
            return Reading(UNCLEAR, detail=NOT_AN_AGE, numbers=(age,))
        return Reading(ANSWER, age)
    if len(candidates) > 1:
        return Reading(UNCLEAR, detail=SEVERAL_AGES, numbers=tuple(candidates))
    upcoming = {int(m.group("a") or m.group("b")) for m in _NEXT_BIRTHDAY.finditer(spelled)}
    if len(upcoming) == 1 and not candidates:
        coming = upcoming.pop()
        if coming - 1 in criterion.plausible:
            return Reading(ANSWER, coming - 1, detail=TURNING, numbers=(coming,))
    if is_hedged(cleaned) or re.search(r"\b(?:rather not|won'?t|prefer not|not (?:going|telling))\b", cleaned):
        return Reading(ANSWER, "not_sure")
    return Reading(UNCLEAR, detail=NO_AGE, numbers=tuple(n for n, _, _ in numbers))


# ----------------------------------------------------------------------------- yes / no

def parse_measure(text: str, unit: str) -> Optional[float]:
    """A quantity in the given unit, e.g. 70.0 from "I had 70 Gy in 2021"."""
    match = re.search(r"(\d+(?:[.,]\d+)?)\s*" + re.escape(unit.lower()) + r"\b", normalize(text))
    return float(match.group(1).replace(",", ".")) if match else None


def _polar(clause: str) -> Optional[str]:
    """"yes" / "no" from the yes and no words of one clause."""
    clause = _FILLER.sub("", clause)
    if _YES_IDIOM.match(clause):
        return "yes"
    if _NO.match(clause) or (_AUX_NO.match(clause) and len(clause.split()) <= 4):
        return "no"
    if _YES.match(clause) or _AUX_YES.match(clause):
        return "no" if concepts.NEGATION.search(clause) else "yes"
    return None


def _clauses(cleaned: str, concept: Optional[concepts.Concept] = None) -> Tuple[str, ...]:
    cleaned = re.sub(r"\s+(?:n|&|\+)\s+", " and ", cleaned)
    parts = []
    for clause in concepts.clauses(cleaned):
        match = None if _YES_IDIOM.match(clause) else _LEADING_WORD.match(clause)
        if match and not _negates_what_follows(clause, match.group(1), clause[match.end():], concept):
            parts += [match.group(1), clause[match.end():]]
        else:
            parts.append(clause)
    return tuple(p for p in parts if p)


def _negates_what_follows(clause: str, word: str, rest: str, concept: Optional[concepts.Concept]) -> bool:
    """Whether a leading yes/no word belongs to the words after it ("no swollen nodes", "no have
    metastasis") rather than being an answer of its own ("no, lungs fine", "no im male")."""
    if concept is None:
        return False
    if concept.starts(clause) or (word.startswith("n") and _VERB_AFTER_NO.match(rest)):
        return True
    bare = re.sub(r"^(?:other|more|further|additional|known|such)\s+", "", rest)  # "no other serious illness"
    return (concept.starts(rest) or concept.starts(bare)) and not _PREDICATE.search(rest) \
        and not _OWN_CLAUSE.match(rest)


def read_yes_no(criterion: Criterion, text: str, intent: Optional[str], confidence: float = 0.0) -> Reading:
    cleaned = normalize(text)
    if is_hedged(cleaned):
        return Reading(ANSWER, "not_sure")
    if criterion.measure is not None:
        quantity = parse_measure(cleaned, criterion.measure.unit)
        if quantity is not None:
            return Reading(ANSWER, "yes" if quantity >= criterion.measure.met_at_least else "no")
    concept = concepts.concept(criterion.concept)
    labs = concept.read_labs(cleaned) if concept else None
    if labs == "no":  # a value out of range: read back before it counts, as every ruling-out answer is
        return Reading(ANSWER, "no")
    length = concept.read_duration(cleaned) if concept else None
    if length:
        return Reading(ANSWER, length)
    signals = set()
    clauses = _clauses(cleaned, concept)
    for clause in clauses:
        said = concept.read_clause(clause) if concept else None
        if said is None and (_WELL.match(clause) or _NONE_OF_THESE.search(clause)):
            said = "no" if criterion.kind == "exclusion" else None
        said = said or _polar(clause)
        if said == "yes" and concept and concept.long_ago(cleaned):
            said = "no"  # "I had bladder cancer, but that was 12 years ago"
        if said:
            signals.add(said)
    if labs:
        signals.add(labs)  # values in range agree with the words, or the bot asks
    if len(signals) > 1 and concept and concept.any_yes and any(concept.asserts_yes(c) for c in clauses):
        signals = {"yes"}  # "not pregnant, but still breastfeeding"
    if len(signals) == 1:
        return Reading(ANSWER, signals.pop())
    words = cleaned.split()
    if (not signals and intent in ANSWER_INTENTS and confidence >= INTENT_ALONE_CONFIDENCE
            and len(words) <= INTENT_ALONE_WORDS and all(_PLAIN_WORD.match(w) for w in words)):
        return Reading(ANSWER, ANSWER_INTENTS[intent])
    if signals:
        return Reading(UNCLEAR, detail=CONFLICT)
    guess = ANSWER_INTENTS.get(intent) if confidence >= GUESS_CONFIDENCE else None
    if guess in ("yes", "no"):  # the words do not decide, the NLU leans one way: read it back, record nothing yet
        return Reading(GUESS, guess)
    return Reading(UNCLEAR, detail=YES_OR_NO)


def _read_answer(criterion: Criterion, text: str, intent: Optional[str], confidence: float) -> Reading:
    return (read_age(criterion, text) if criterion.answer_type == "number"
            else read_yes_no(criterion, text, intent, confidence))


def _statement_beside_question(text: str) -> str:
    """The parts of a message that are not questions ("I'm 17" in "I'm 17, is that too young?")."""
    parts = [p for p in re.split(r"(?<=[.!?,;])\s+", text) if p.strip()]
    questions = [p for p in parts if p.rstrip().endswith(("?", "\uff1f")) or _QUESTION.search(normalize(p))]
    if not questions or any(len(q.split()) > 5 or question_topic(q) for q in questions):
        return ""  # a real question: answered, not read past
    statements = [p for p in parts if p not in questions]
    return " ".join(statements)


def read(criterion: Criterion, text: str, intent: Optional[str] = None, confidence: float = 0.0) -> Reading:
    """What a reply to `criterion`'s question is."""
    stripped = (text or "").strip()
    if stripped in BUTTON_ANSWERS and criterion.answer_type == "number" and BUTTON_ANSWERS[stripped] != "not_sure":
        return Reading(UNCLEAR, detail=NO_AGE)  # a Yes or No button is no age
    if stripped in BUTTON_ANSWERS:
        return Reading(ANSWER, BUTTON_ANSWERS[stripped], typed=False)
    stripped = chinese.from_pinyin(stripped)  # "kang sheng su mei yong" typed without a Chinese keyboard
    if len(stripped) > MAX_ANSWER_CHARS:
        return Reading(UNCLEAR, detail=TOO_LONG)
    command = command_in(stripped)
    if command:
        return Reading(COMMAND, detail=command)
    other = non_answer(stripped)
    if _chinese(stripped):
        if other is not None and other.kind == QUESTION:
            leans = _answer_beside_question(criterion, stripped)
            if leans:  # read back what it leans to; it counts only when the volunteer confirms
                return Reading(GUESS, leans)
        return other or _read_chinese(criterion, stripped)
    if other is not None and other.kind != QUESTION:
        return other
    if other is not None:  # a question; a statement beside a short tag question is still read
        statement = _statement_beside_question(stripped)
        reading = _read_answer(criterion, statement, None, 0.0) if statement else None
        if reading is not None and reading.is_answer:
            return reading
    else:
        reading = _read_answer(criterion, stripped, intent, confidence)
        if reading.is_answer or reading.detail != YES_OR_NO and reading.detail != NO_AGE:
            return reading
        if intent in SIDE_INTENTS and confidence >= SIDE_INTENT_CONFIDENCE:
            return Reading(QUESTION, detail=intent)
        story = _STORY.search(normalize(stripped))
        if intent in COMMAND_INTENTS and confidence >= COMMAND_OFFER_CONFIDENCE and not story:
            return Reading(OFFER, detail=intent)
        return reading
    topic = question_topic(stripped, intent, confidence)
    if topic is None and intent in COMMAND_INTENTS and confidence >= COMMAND_OFFER_CONFIDENCE:
        return Reading(OFFER, detail=intent)  # "can we do the last one again?"
    return Reading(QUESTION, detail=topic or "")



def _answer_beside_question(criterion: Criterion, text: str) -> Optional[str]:
    """The yes or no a Chinese reply that asks something still gives: a tag asking us to agree ("…，这个不算吧？"),
    or a plain answer after the question ("我看起来像有这种病的吗？没有！"); else None."""
    tag = chinese.tag_question(text)
    if tag:
        return tag
    after = re.search(r"[?？]+\s*([^?？]+?)\s*$", text)
    reading = _read_chinese(criterion, after.group(1)) if after and not non_answer(after.group(1)) else None
    return reading.answer if reading is not None and reading.is_answer and reading.answer != "not_sure" else None


def _read_chinese(criterion: Criterion, text: str, today: Optional[datetime.date] = None) -> Reading:
    """A Chinese reply that is not a command or a question: its answer, as read by bot/chinese.py."""
    if criterion.answer_type == "number":
        today = today or datetime.date.today()
        age = chinese.read_age(text, today.year)
        if age in ("several", None) and chinese.is_hedged(text):  # "四十七还是四十八来着，记不清了"
            return Reading(ANSWER, "not_sure")
        if age == "several":
            return Reading(UNCLEAR, detail=SEVERAL_AGES)
        if age is None:
            return Reading(ANSWER, "not_sure") if chinese.is_hedged(text) else Reading(UNCLEAR, detail=NO_AGE)
        years, born = age
        if years not in criterion.plausible:
            return Reading(UNCLEAR, detail=NOT_AN_AGE, numbers=(years,))
        return Reading(ANSWER, years, derived_from=born)
    said = chinese.read_yes_no(criterion, text)
    firm = chinese.soft_answer(criterion, text) if said == "not_sure" else None
    if firm:  # "应该没问题吧": a firm answer said softly, read back first
        return Reading(GUESS, firm)
    if said == "conflict":
        return Reading(UNCLEAR, detail=CONFLICT)
    if said == "no?" or said in ("yes", "no") and chinese.doubtful(text):  # a question or a "but" beside it, or
        return Reading(GUESS, said.rstrip("?"))  # clauses that disagree, settled: read back first
    return Reading(ANSWER, said) if said else Reading(UNCLEAR, detail=YES_OR_NO)


def read_consent(text: str, intent: Optional[str], confidence: float = 0.0) -> Reading:
    """The reply to "would you like to start?": a clear yes, a yes to read back first (detail UNCLEAR_YES),
    a no, Not sure, or something that is not an answer. Health details alone are not a yes."""
    stripped = (text or "").strip()
    if stripped in BUTTON_ANSWERS:
        return Reading(ANSWER, BUTTON_ANSWERS[stripped], typed=False)
    stripped = chinese.from_pinyin(stripped)  # "kang sheng su mei yong" typed without a Chinese keyboard
    if _chinese(stripped):
        said = chinese.consent(stripped)
        other = non_answer(stripped)
        if other is not None and other.kind == QUESTION and said == "yes" and chinese.asks_to_start(stripped):
            return Reading(ANSWER, "yes", detail=UNCLEAR_YES)  # "好额，开始伐": a yes asked as a question, read back
        if said == "no" and other is not None and other.kind == QUESTION and chinese.refuses(stripped):
            return Reading(ANSWER, "no")  # "算了伐，勿弄了": Wu 伐 after a refusal asks nothing
        if other is not None and other.kind in (QUESTION, PERSON, WAIT) or said is None:
            return other or Reading(UNCLEAR, detail=YES_OR_NO)
        if said == "yes" and chinese.doubtful(stripped):  # a yes with a "but" or a question: read back first
            return Reading(ANSWER, "yes", detail=UNCLEAR_YES)
        return Reading(ANSWER, said)
    cleaned = normalize(stripped)
    if _WEAK_YES.match(cleaned):
        return Reading(ANSWER, "yes", detail=UNCLEAR_YES)
    # the first yes or no said decides: "Yes, I'll do it for my father, he doesn't read English"
    said = next(filter(None, (_polar(c) for c in _clauses(cleaned))), None)
    if is_hedged(cleaned) and not _QUESTION.search(cleaned):
        if said == "yes" or _CONSENT_GO.search(cleaned):
            return Reading(ANSWER, "yes", detail=UNCLEAR_YES)
        return Reading(ANSWER, "not_sure")
    if said == "no" or _DECLINE.search(cleaned):
        return Reading(ANSWER, "no")
    if _LETS_START.match(cleaned):
        return Reading(ANSWER, "yes")
    other = non_answer(stripped)
    if other is not None:
        if other.kind != QUESTION:
            return other
        return Reading(QUESTION, detail=question_topic(stripped, intent, confidence) or "")
    if said == "yes" and _CLEAR_YES.match(cleaned):
        return Reading(ANSWER, "yes")
    if said == "yes" or _CONSENT_WORDS.search(cleaned):
        return Reading(ANSWER, "yes", detail=UNCLEAR_YES)
    if intent in SIDE_INTENTS and confidence >= SIDE_INTENT_CONFIDENCE:
        return Reading(QUESTION, detail=intent)
    return Reading(UNCLEAR, detail=YES_OR_NO)


_WEAK_YES = re.compile(r"^(?:ok(?:ay|ey)?|k|kk|alright|all right|fine|right|sounds good|cool|great|good|why not|"
                       r"go on then|if you must)$")
_LETS_START = re.compile(r"^(?:(?:ok|okay|yes|sure)\W+)?(?:(?:can|could|shall) (?:we|i|you) (?:please )?|"
                         r"(?:let'?s|lets) (?:get )?)(?:start|started|begin|go)\b")
_DECLINE = re.compile(r"\b(?:not interested|won'?t (?:be )?(?:do|doing|take|taking|join|joining)|no thanks?|no thank you|rather not|prefer not|(?:not|no) want|don'?t want|"
                      r"do not want|don'?t wanna|i'?ll pass|pass for now|not now|not today|maybe later|later|"
                      r"another time)\b")
_CLEAR_YES = re.compile(r"^(?:yes+|yeah|yep|yup|sure|of course|definitely|absolutely|certainly|ok(?:ay)? yes|"
                        r"yes please|i agree|i consent|agreed)\b(?:\W+(?:please|let'?s (?:start|begin|go|do it)|"
                        r"start|go ahead|i agree|i consent|sure|of course|ok|okay|go|thanks?|thank you|"
                        r"ready|i'?m ready|let'?s|begin)\b)*\W*$")
# Words that say "go on" even beside a hedge ("I guess so, let's try"); with the plainer ones below, a yes to read back.
_GO_ON = (r"let'?s (?:start|strat|begin|go|do it|try)|go ahead|ask away|fire away|"
          r"(?:i )?(?:can|could|will|happy to) answer (?:the |your )?questions")
_CONSENT_GO = re.compile(rf"\b(?:{_GO_ON})\b")
_CONSENT_WORDS = re.compile(rf"\b(?:{_GO_ON}|start|strat|begin|ready|agree|consent|ask me|proceed|continue|go on|"
                            r"fill (?:it|this) (?:in|out)|(?:do|answer) (?:it|this|the questions)|"
                            r"i'?ll (?:do|answer|fill))\b")
