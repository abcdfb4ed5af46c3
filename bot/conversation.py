"""The prescreening conversation as pure functions: (protocol, state, event) -> turn.

Rasa actions (actions/) read the tracker into a `State`, call one of the
functions below, and turn the resulting `Turn` back into slot events and
messages. Every eligibility decision is made here or in `bot.screening`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import wraps
from typing import Mapping, Optional, Tuple

from bot import answers, config, i18n, matching, next_steps, screening, trials
from bot import contact as contact_fields
from bot.i18n import N_
from bot.answers import MAX_MESSAGE_CHARS, Reading
from bot.protocol import Criterion, Protocol, load_protocol
from bot.screening import RecordedAnswer

# Buttons: (title, payload). Titles are message ids, translated when a reply is sent (Reply.buttons_in).
YES = (N_("Yes"), "/affirm")
NO = (N_("No"), "/deny")
NOT_SURE = (N_("Not sure"), "/not_sure")
GO_BACK = (N_("Go back and change it"), "/go_back")
START_OVER = (N_("Start over"), "/start_over")
CONTINUE = (N_("Continue"), "/affirm")
SEND = (N_("Yes, send it"), "/affirm")
CHANGE = (N_("Change something"), "/deny")
ERASE_YES = (N_("Yes, delete everything"), "/erase_data")
ERASE_NO = (N_("No, keep it"), "/deny")
CONFIRM_YES = (N_("Yes, that's right"), "/affirm")
START_OVER_YES = (N_("Yes, clear my answers"), "/start_over")
START_OVER_NO = (N_("No, keep my answers"), "/deny")
CONSENT_YES = (N_("Yes, let's start"), "/affirm")
CONSENT_NO = (N_("No, thanks"), "/deny")
CONTACT_YES = (N_("Yes, please contact me"), "/affirm")
OTHER_STUDIES_YES = (N_("Yes, you may contact me"), "/affirm")
# After a verdict that rules the volunteer out, "what happens" is what they could do now (_side_question).
NEXT_STEPS = (N_("What can I do now?"), "/ask_what_happens")
# Screen for the site's other open trials too, reusing the answers given (bot/matching.py).
FIND_TRIALS = (N_("Check the site's other studies"), "/find_trials")
ALL_TEAMS = (N_("Yes, all of them"), "/affirm")
# A button's title on a text channel, where the choices are a line "Reply 1 Yes, 2 No": the fewest words
# that still say what the choice does.
BRIEF_TITLES = {CONSENT_YES[0]: YES[0], CONSENT_NO[0]: NO[0], CONFIRM_YES[0]: YES[0], CONTACT_YES[0]: YES[0],
                SEND[0]: N_("Send"), CHANGE[0]: N_("Change"), N_("By e-mail"): N_("E-mail"), N_("By phone"): N_("Phone"),
                N_("Either is fine"): N_("Either"), GO_BACK[0]: N_("Change it"),
                ERASE_YES[0]: N_("Delete"), ERASE_NO[0]: N_("Keep"), START_OVER_YES[0]: N_("Clear them"),
                START_OVER_NO[0]: N_("Keep them"), i18n.NAMES[i18n.CHINESE]: N_("Chinese"),
                i18n.NAMES[i18n.ENGLISH]: N_("English"), OTHER_STUDIES_YES[0]: YES[0], NEXT_STEPS[0]: N_("What now?"),
                FIND_TRIALS[0]: N_("Other studies"), ALL_TEAMS[0]: N_("All")}
# The other language, offered in its own words beside the consent question.
OTHER_LANGUAGE = {i18n.ENGLISH: i18n.CHINESE, i18n.CHINESE: i18n.ENGLISH}


def language_button(language: str) -> Tuple[str, str]:
    """The switch to `language`, titled in its own words ("中文"), which no catalogue translates."""
    return i18n.NAMES[language], f'/set_language{{"language": "{language}"}}'


# What `State.pending` holds besides a criterion id: consent given in unclear words, a typed "start over",
# or a command the NLU heard in words the bot does not know ("did you mean ...?").
CONSENT, START_OVER_PENDING, OFFERED_COMMAND = "consent", "start_over", "command"
OFFERS = {"go_back": (N_("Did you mean you want to go back to the previous question?"), N_("Yes, go back")),
          "start_over": (N_("Did you mean you want to clear all your answers and start again?"),
                         N_("Yes, start over")),
          "stop": (N_("Did you mean you want to stop for now?"), N_("Yes, stop")),
          "erase_data": (N_("Did you mean you want to delete your data?"), N_("Yes, delete my data"))}

# What the Rasa side must do after a turn, besides sending the replies.
COLLECT_CONTACT = "collect_contact"  # run the contact form (it asks for the fields still missing)
SUBMIT_REFERRAL = "submit_referral"  # store the referral and its outbox row, then call referral_sent()
# store the consent to hear about the site's other studies (bot/other_studies.py), then call other_studies_saved()
SAVE_OTHER_STUDIES = "save_other_studies"
ERASE = "erase"  # delete everything stored about this conversation (bot.erasure), then end it

# What a button click is recorded as: the words the volunteer saw on the button, in their language.
BUTTON_WORDS = {"/affirm": YES[0], "/deny": NO[0], "/not_sure": NOT_SURE[0]}

INFO_TOPICS = {
    "ask_trial_about": "about",
    "ask_treatment": "treatment",
    "ask_sponsor": "sponsor",
    "ask_size": "size",
    "ask_what_happens": "what_happens",
}


@dataclass(frozen=True)
class Reply:
    """One message: its text already in the volunteer's language; button titles are message ids."""

    text: str
    buttons: Tuple[Tuple[str, str], ...] = ()
    language: str = i18n.DEFAULT
    # The same message for text channels (SMS, WeChat), in the volunteer's language: one SMS where it can
    # be, with what it leaves out offered on request ("Reply WHY for the reason"). None: `text` is short.
    brief: Optional[str] = None

    def buttons_in(self, brief: bool = False) -> Tuple[Tuple[str, str], ...]:
        """The buttons with their titles in the reply's language (their short titles for text channels)."""
        _ = i18n.gettext_for(self.language)
        titles = ((BRIEF_TITLES.get(title, title), payload) for title, payload in self.buttons) if brief else self.buttons
        return tuple((_(title) if title not in i18n.NAMES.values() else title, payload) for title, payload in titles)


@dataclass(frozen=True)
class State:
    """The slots of ARCHITECTURE.md, as one value."""

    trial_id: Optional[str] = None
    consent: Optional[bool] = None
    current: Optional[str] = None
    answers: Mapping[str, RecordedAnswer] = field(default_factory=dict)
    verdict: Optional[str] = None
    contact_consent: Optional[bool] = None
    contact: Mapping[str, Optional[str]] = field(default_factory=dict)
    referral: Optional[str] = None  # the reference number, once the referral is stored
    choices: Tuple[str, ...] = ()  # payloads of the buttons last offered, for numbered replies ("2" = No)
    # A typed answer read back before it is recorded: {"criterion": id | "consent" | "start_over",
    # "answer": ..., "text": the volunteer's words}. Nothing in it counts until the volunteer confirms.
    pending: Optional[Mapping] = None
    last_unclear: Optional[str] = None  # why the last reply gave no answer, so a re-ask never repeats itself
    # The volunteer's language (i18n.LANGUAGES); None until they choose one or write in one (shown in English).
    language: Optional[str] = None
    # The volunteer's consent that the site may contact them about its other studies is stored (a consent of
    # its own, asked after a verdict that rules them out): read from the database by actions/, like the referral.
    other_studies: bool = False
    # The site's trials screened together in this conversation (bot/matching.py): the other open trials, once
    # the volunteer asked to check them after the verdict of the one they came for; or every open trial, the
    # one they came for first, when they asked "which trials could suit me?" before starting.
    catalogue: Tuple[str, ...] = ()
    asked: Tuple[str, ...] = ()  # the catalogue's questions asked so far, in order (numbering, "go back")
    trial_verdicts: Mapping[str, Optional[str]] = field(default_factory=dict)  # every trial screened: its verdict
    teams: Tuple[str, ...] = ()  # the trials whose study teams the volunteer chose to be contacted by
    references: Mapping[str, str] = field(default_factory=dict)  # trial id -> its referral's reference number

    @property
    def lang(self) -> str:
        return i18n.known(self.language)

    @property
    def stopped(self) -> bool:
        return bool(self.consent) and self.current is None and self.verdict is None

    @property
    def referable(self) -> Tuple[str, ...]:
        """The trials this volunteer may qualify for: each may get a referral (the one they came for first)."""
        may = (screening.LIKELY_ELIGIBLE, screening.NEEDS_REVIEW)
        if not self.catalogue:
            return (self.trial_id,) if self.verdict in may else ()
        if self.current is not None or not self.verdict:  # still asking the catalogue's questions
            return ()
        return tuple(t for t, v in self.trial_verdicts.items() if v in may)

    @property
    def may_refer(self) -> bool:
        return bool(self.referable) and self.referral is None

    @property
    def may_offer_other_studies(self) -> bool:
        """Ruled out of every trial checked, and not yet agreed to hear about the site's other studies:
        `contact_consent` and the contact details are then for that, not for a trial."""
        return (self.verdict == screening.LIKELY_INELIGIBLE and not self.other_studies and not self.referable
                and (not self.catalogue or self.current is None))

    @property
    def collecting_contact(self) -> bool:
        return (self.may_refer or self.may_offer_other_studies) and bool(self.contact_consent)


@dataclass(frozen=True)
class Turn:
    state: State
    replies: Tuple[Reply, ...]
    command: Optional[str] = None


def own_words(text: str, language: Optional[str] = None) -> str:
    clicked = BUTTON_WORDS.get((text or "").strip())
    return i18n.gettext_for(language)(clicked) if clicked else text or ""


def _tr(state: State):
    """The volunteer's catalogue: `_ = _tr(state)`, then `_("message id")`."""
    return i18n.gettext_for(state.lang)


def _t(state: State, message: str) -> str:
    """One message in the volunteer's language (extracted by `make messages` as keyword _t:2)."""
    return i18n.gettext_for(state.lang)(message)


def _reply(state: State, text: str, buttons: Tuple[Tuple[str, str], ...] = (), brief: Optional[str] = None) -> Reply:
    return Reply(text, buttons, state.lang, brief)


def _join(state: State, *sentences: str) -> str:
    """Sentences one after another: Chinese puts no space between them."""
    return ("" if state.lang == i18n.CHINESE else " ").join(s.strip() for s in sentences if s)


def offered_choices(replies: Tuple[Reply, ...]) -> Tuple[str, ...]:
    """The choices a numbered reply can pick after this turn: the last reply's buttons, if it has any."""
    return tuple(payload for _, payload in replies[-1].buttons) if replies else ()


# Punctuation outside SMS's GSM 7-bit alphabet, in its plain form: one curly quote would make the whole
# message UCS-2, where a segment holds 70 characters instead of 160.
_GSM_PUNCTUATION = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2026": "...",
                                  "\u2013": "-", "\u2014": "-", "\u00a0": " ", "\u2022": "-", "\u2265": ">=",
                                  "\u2264": "<="})


def plain_text(reply: Reply) -> str:
    """A reply for channels without buttons (SMS, WeChat): its brief form, and the choices as numbers to
    reply with ("Reply 1 Yes, 2 No, 3 Not sure"). English is kept to SMS's GSM alphabet (straight quotes)."""
    text = reply.brief or reply.text
    if reply.buttons:
        _ = i18n.gettext_for(reply.language)
        options = _(", ").join(_("{number} {choice}").format(number=n, choice=title)
                               for n, (title, _payload) in enumerate(reply.buttons_in(brief=True), start=1))
        text = _("{text}\nReply {options}").format(text=text, options=options)
    return text.translate(_GSM_PUNCTUATION) if reply.language == i18n.ENGLISH else text


def _numbered_choice(text: str, choices: Tuple[str, ...]) -> Optional[Tuple[str, dict]]:
    """The (intent, entities) of the button a reply such as "2" picks, while buttons are offered."""
    match = re.fullmatch(r"\s*(\d)\s*[.)]?\s*", text or "")
    if not match or not 1 <= int(match.group(1)) <= len(choices):
        return None
    payload = re.fullmatch(r"/(\w+)(\{.*\})?", choices[int(match.group(1)) - 1])
    return payload.group(1), json.loads(payload.group(2) or "{}")


def _payload(text: str) -> Optional[Tuple[str, dict]]:
    """The (intent, entities) of a button's payload, such as "/go_back" or
    '/change_contact{"contact_field": "email"}'."""
    match = re.fullmatch(r"\s*/(\w+)(\{.*\})?\s*", text or "")
    if not match:
        return None
    try:
        return match.group(1), json.loads(match.group(2) or "{}")
    except ValueError:
        return None


# ----------------------------------------------------------------------------- prompts


def ask(protocol: Protocol, state: State, criterion: Criterion, lead: str = "", brief_lead: Optional[str] = None
        ) -> Reply:
    _ = _tr(state)
    buttons = (NOT_SURE,) if criterion.answer_type == "number" else (YES, NO, NOT_SURE)
    if state.catalogue:  # the order is chosen as the answers come (bot/matching.py): no "of N"
        number = state.asked.index(criterion.id) + 1 if criterion.id in state.asked else len(state.asked) + 1
        return _reply(state, lead + _("Question {number} for the site's studies: {question}").format(
            number=number, question=criterion.question), buttons, (lead if brief_lead is None else brief_lead) + _(
            "Q{number}: {question}").format(number=number, question=criterion.brief_question or criterion.question))
    number = screening.question_number(protocol, criterion.id)
    text = lead + _("Question {number} of {total}: {question}").format(
        number=number, total=len(protocol.criteria), question=criterion.question)
    brief = (lead if brief_lead is None else brief_lead) + _("Q{number} of {total}: {question}").format(
        number=number, total=len(protocol.criteria), question=criterion.brief_question or criterion.question)
    return _reply(state, text, buttons, brief)


def consent_prompt(protocol: Protocol, state: State) -> Reply:
    other = OTHER_LANGUAGE[state.lang]
    offer = (language_button(other),) if other in i18n.offered(protocol) else ()
    if protocol.trial_id in state.catalogue:  # "find trials for me": the trial's own length and count do not apply
        _ = _tr(state)
        return _reply(state, _("Would you like to start the prescreening questions? You can answer Yes, No or Not "
                               "sure to each one, and your answers will be kept as described above."),
                      (CONSENT_YES, CONSENT_NO) + offer, _("It is not enrollment: each study team decides. I keep "
                                                           "your answers only if you agree; DELETE MY DATA erases "
                                                           "them. Start?"))
    return _reply(state, protocol.consent_question, (CONSENT_YES, CONSENT_NO) + offer, protocol.brief_consent_question)


def prompt(protocol: Protocol, state: State, lead: str = "") -> Tuple[Reply, ...]:
    """Where the conversation stands, asked again: so every side-question returns to it."""
    _ = _tr(state)
    if not state.consent:
        return (consent_prompt(protocol, state),)
    if state.current:
        return (ask(protocol, state, criterion_of(protocol, state, state.current), lead),)
    if state.referral and len(state.references) > 1:
        return (_reply(state, _("Your answers were sent to the study teams. Your reference numbers:\n{references}\n"
                                "They expect to contact you in the next few days.").format(
            references=references_text(protocol, state)),),)
    if state.referral:
        return (_reply(state, _("Your answers were sent to the study team at the {site}.\nYour reference number:\n"
                                "{reference}\nThey expect to contact you in the next few days.").format(
            site=protocol.study_team.site, reference=state.referral)),)
    if state.collecting_contact and contact_fields.is_complete(state.contact):
        return (summary(protocol, state),)
    if state.may_refer:
        return (contact_question(protocol, state),)
    if state.may_offer_other_studies and state.contact_consent is None:
        return (other_studies_question(protocol, state),)
    if state.verdict:
        return (_reply(state, _("The questions are finished. You can ask me what you could do now, go back to "
                                "change your last answer, or start over."), (NEXT_STEPS, GO_BACK, START_OVER)),)
    return (_reply(state, _("Your answers so far are saved. Would you like to carry on with the questions?"),
                   (CONTINUE, START_OVER)),)


def verdict_replies(protocol: Protocol, state: State) -> Tuple[Reply, ...]:
    _ = _tr(state)
    result = screening.evaluate(protocol, state.answers)
    if result.verdict == screening.LIKELY_INELIGIBLE:
        criterion = protocol.by_id[result.ruled_out_by]
        # The buttons come last, on the question they answer (a numbered SMS reply picks the last message's).
        return (_reply(state, _(
            "Thank you for your honest answers. Because of your answer about {topic}, it is likely that you "
            "would not qualify for this trial. {reason} This is only a prescreen: the study team makes all final "
            "decisions. If that answer was not right, you can go back and change it.").format(
                topic=criterion.short, reason=criterion.ruled_out), brief=_(
            "Thank you. From your answer about {topic}, you likely can't join this trial; the study team makes final "
            "decisions. Reply WHY for the reason.").format(topic=criterion.short)),
            next_steps_reply(protocol, state)) + prompt(protocol, state)
    if result.verdict == screening.NEEDS_REVIEW:
        ngettext = i18n.ngettext_for(state.lang)
        count = len(result.not_sure)
        return (_reply(state, ngettext(
            "Thank you, that was the last question. From your answers, you may qualify for this trial; the study "
            "team needs to check {count} thing first. You answered \"Not sure\" to it, and that is fine: they "
            "would check it with you. Things you could ask your doctor about:\n{checklist}\n"
            "This is not a final decision: the study team decides who can take part, after further screening.",
            "Thank you, that was the last question. From your answers, you may qualify for this trial; the study "
            "team needs to check {count} things first. You answered \"Not sure\" to them, and that is fine: they "
            "would check them with you. Things you could ask your doctor about:\n{checklist}\n"
            "This is not a final decision: the study team decides who can take part, after further screening.",
            count).format(count=count, checklist=checklist_text(protocol, state)), brief=ngettext(
            "Last question done. You may qualify; the study team needs to check {count} thing first: {topics}.",
            "Last question done. You may qualify; the study team needs to check {count} things first: {topics}.",
            count).format(count=count, topics=_(", ").join(protocol.by_id[c].short for c in result.not_sure))),
            contact_question(protocol, state))
    return (_reply(state, _(
        "Thank you, that was the last question. From your answers, you may qualify for this trial. "
        "This is not a final decision: the study team decides who can take part, after further screening "
        "and only with your written consent."), brief=_("Last question done. You may qualify; the study team "
                                                        "decides.")), contact_question(protocol, state))


def checklist_text(protocol: Protocol, state: State) -> str:
    _ = _tr(state)
    return "\n".join(_("- {topic}: {check}").format(topic=item.short, check=item.check)
                     for item in screening.doctor_checklist(protocol, state.answers))


def contact_question(protocol: Protocol, state: State) -> Reply:
    _ = _tr(state)
    if state.catalogue and state.referable != (protocol.trial_id,):
        return teams_question(protocol, state)
    return _reply(state, _("Would you like the study team at the {site} to contact you about this trial? If you "
                           "say yes, I'll ask for your name and how they can reach you. If you say no, nothing more "
                           "is collected.").format(site=protocol.study_team.site),
                  (CONTACT_YES, CONSENT_NO) + _find_offer(protocol, state),
                  _("May the study team contact you? Then I'll ask your name and how to reach you."))


def teams_question(protocol: Protocol, state: State) -> Reply:
    """After the catalogue: which of the study teams whose trials the volunteer may qualify for may contact them."""
    _ = _tr(state)
    titles = {p.trial_id: p.short_title for p in screened(protocol, state)}
    choices = tuple((_("Only {study}").format(study=titles[t]), f'/affirm{{"trial_id": "{t}"}}')
                    for t in state.referable)
    return _reply(state, _("Which study teams may contact you? I'll ask for your name and how to reach you once, "
                           "and each team gets only the answers its own study needs. If you say no, nothing more is "
                           "collected."),
                  ((ALL_TEAMS,) + choices if len(choices) > 1 else ((CONTACT_YES[0], choices[0][1]),)) + (CONSENT_NO,),
                  _("Which study teams may contact you? I'll ask your name and how to reach you once."))


def _lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def next_steps_reply(protocol: Protocol, state: State) -> Reply:
    """What a volunteer this trial does not suit could do now: ask their own doctor (and what to ask), look
    for other trials on ClinicalTrials.gov (a search for the condition, recruiting, near the site), and the
    site's other trials that their answers do not already rule out (bot/next_steps.py)."""
    _ = _tr(state)
    result = screening.evaluate(protocol, state.answers)
    doctor = _("- Talk to your own doctor. You could ask them: which treatments would suit you now, and whether "
               "they know of a clinical trial that might suit you.")
    if result.ruled_out_by:
        criterion = protocol.by_id[result.ruled_out_by]
        doctor = _("- Talk to your own doctor. You could ask them: whether your answer about {topic} is right "
                   "(they can check {check}); which treatments would suit you now; and whether they know of a "
                   "clinical trial that might suit you.").format(topic=criterion.short, check=criterion.doctor_check)
    search = (_("- Look for other trials on ClinicalTrials.gov, the public register of clinical trials. This search "
                "shows trials for {condition} that are recruiting near the {site}:\n{link}")
              if protocol.condition else
              _("- Look for other trials on ClinicalTrials.gov, the public register of clinical trials. This search "
                "shows trials that are recruiting near the {site}:\n{link}")).format(
        condition=protocol.condition, site=protocol.study_team.site, link=next_steps.search_url(protocol))
    others = next_steps.other_trials(protocol, state.answers, state.lang)
    site_trials = _lines(_("- The {site} also runs these studies, which your answers so far do not rule out. Ask "
                           "the site or your doctor whether one might suit you:").format(
        site=protocol.study_team.site), *(_("  {title} ({trial_id}): {link}").format(
            title=other.in_language(state.lang).title, trial_id=other.trial_id,
            link=next_steps.study_url(other.trial_id)) for other in others)) if others else ""
    brief = _lines(_("What you could do now: ask your own doctor which treatments or trials might suit you, or look "
                     "for trials recruiting near the {site}:").format(site=protocol.study_team.site),
                   next_steps.search_url(protocol), site_trials)
    return _reply(state, _lines(_("What you could do now:"), doctor, search, site_trials), brief=brief)


def other_studies_question(protocol: Protocol, state: State) -> Reply:
    """The separate consent, after a verdict that rules the volunteer out."""
    _ = _tr(state)
    ngettext = i18n.ngettext_for(state.lang)
    days = config.other_studies_days()
    return _reply(state, ngettext(
        "Would you like the {site} to contact you about its other studies that might suit you? This is separate "
        "from this trial. If you say yes, I'll ask for your name and how to reach you, and pass only those to the "
        "site, not your answers. They are kept for {days} day at most, and you can ask me to delete them at any "
        "time. If you say no, nothing more is collected.",
        "Would you like the {site} to contact you about its other studies that might suit you? This is separate "
        "from this trial. If you say yes, I'll ask for your name and how to reach you, and pass only those to the "
        "site, not your answers. They are kept for {days} days at most, and you can ask me to delete them at any "
        "time. If you say no, nothing more is collected.", days).format(site=protocol.study_team.site, days=days),
        (OTHER_STUDIES_YES, CONSENT_NO, GO_BACK) + _find_offer(protocol, state), ngettext(
            "May the site contact you about its other studies? I'd pass on only your name and how to reach you, "
            "kept {days} day at most.",
            "May the site contact you about its other studies? I'd pass on only your name and how to reach you, "
            "kept {days} days at most.", days).format(days=days))


def reach_text(protocol: Protocol, state: State, brief: bool = False) -> str:
    """How to reach the site, as far as the protocol says: its name and city, its phone and e-mail if it gives
    them, else that the public listing gives none (and where to read the listing). `brief`: a line for SMS."""
    _ = _tr(state)
    phone, email = next_steps.site_contacts(protocol)
    city, _country = next_steps.site_place(protocol)
    site = protocol.study_team.site
    if brief:
        return _join(state, _("Site: {site}, {city}.").format(site=site, city=city) if city else
                     _("Site: {site}.").format(site=site),
                     _("Phone: {phone}").format(phone=phone) if phone else "",
                     _("E-mail: {email}").format(email=email) if email else "")
    place = (_("How to reach the site: the {site}, {city}.").format(site=site, city=city) if city else
             _("How to reach the site: the {site}.").format(site=site))
    if not (phone or email):
        return _lines(place, _("The trial's public listing gives no phone number or e-mail address for the site, "
                               "so please wait for the study team to contact you. You can read the listing at "
                               "{link}").format(link=next_steps.study_url(protocol.trial_id)))
    return _lines(place, _("Phone: {phone}").format(phone=phone) if phone else "",
                  _("E-mail: {email}").format(email=email) if email else "",
                  _("Please quote your reference number if you contact them.") if state.referral else "")


def summary(protocol: Protocol, state: State) -> Reply:
    _ = _tr(state)
    details = contact_fields.summary_lines(state.contact, state.lang)
    if state.verdict == screening.LIKELY_INELIGIBLE:  # the details are for the site's other studies
        return _reply(state, _("Please check your details:\n{details}\nShall I pass them to the {site}, so that "
                               "they can contact you about their other studies? Your answers to this trial's "
                               "questions are not passed on.").format(
            details=details, site=protocol.study_team.site), (SEND, CHANGE),
            _("Please check:\n{details}\nPass them to the site for its other studies (not your answers)?").format(
                details=contact_fields.summary_lines(state.contact, state.lang, brief=True)))
    if state.catalogue and state.teams:
        studies = _("; ").join(p.short_title for p in screened(protocol, state) if p.trial_id in state.teams)
        return _reply(state, _("Please check your details:\n{details}\nShall I send them to the study teams of: "
                               "{studies}? Each team gets only the answers its own study needs.").format(
            details=details, studies=studies), (SEND, CHANGE), _(
            "Please check:\n{details}\nSend them and your answers to the study teams you chose?").format(
                details=contact_fields.summary_lines(state.contact, state.lang, brief=True)))
    return _reply(state, _("Please check your details:\n{details}\nShall I send them, with your answers, to the "
                           "study team at the {site}?").format(details=details, site=protocol.study_team.site),
                  (SEND, CHANGE), _("Please check:\n{details}\nSend them and your answers to the study team?").format(
                      details=contact_fields.summary_lines(state.contact, state.lang, brief=True)))


# What the contact form asks for each field (actions/ ask with these: action_ask_<field>); the buttons'
# payloads are what bot.contact reads, in the order of its WAY_OPTIONS / TIME_OPTIONS ("2" on SMS = phone).
CONTACT_QUESTIONS = {
    contact_fields.NAME: (N_("What name should the study team use for you?"), None, ()),
    contact_fields.WAY: (N_("How would you like them to contact you?"), None,
                         ((N_("By e-mail"), "by e-mail"), (N_("By phone"), "by phone"),
                          (N_("Either is fine"), "either is fine"))),
    contact_fields.EMAIL: (N_("What e-mail address can they write to?"), None, ()),
    contact_fields.PHONE: (N_("What phone number can they call? Please include the area code, or the country code "
                              "if you are outside China."), N_("What phone number can they call?"), ()),
    contact_fields.TIME: (N_("When is the best time to contact you? For example \u201cweekday mornings\u201d."),
                          N_("When is the best time to contact you? Or say when."),
                          ((N_("Mornings"), "mornings"), (N_("Afternoons"), "afternoons"), (N_("Evenings"), "evenings"),
                           (N_("Any time"), "any time"))),
}


def ask_contact(state: State, field_name: str) -> Reply:
    """The contact form's question for one field."""
    question, brief, buttons = CONTACT_QUESTIONS[field_name]
    return _reply(state, _t(state, question), buttons, _t(state, brief) if brief else None)


def change_menu(state: State) -> Reply:
    return _reply(state, _t(state, "What would you like to change?"), tuple(
        (contact_fields.CHANGE_LABELS[f], f'/change_contact{{"contact_field": "{f}"}}')
        for f in contact_fields.required_fields(state.contact)))


def _sent_note(state: State) -> Tuple[Reply, ...]:
    """What a volunteer is told who tries to change anything after the referral was sent: it stays as it was
    sent, whom to tell instead, and how to start a new screening (by withdrawing this one)."""
    if not state.referral:
        return ()
    return (_reply(state, _t(state, "Your answers were sent to the study team with reference number {reference}, "
                                     "and they stay as they were sent, so I can't change them here. If an answer "
                                     "has changed or was not right, please tell the study team when they contact "
                                     "you: they check every answer again before anyone takes part. If you'd rather "
                                     "answer all the questions again, say \u201cdelete my data\u201d: I'll withdraw "
                                     "this referral (the study team is asked to delete it), and you can then start "
                                     "a new screening.").format(reference=state.referral)),)


def already_sent(protocol: Protocol, state: State) -> Turn:
    """A referred state, unchanged, and the volunteer told why."""
    return Turn(state, _sent_note(state))


# What a sent referral was made from: none of it changes once `State.referral` is set.
def _sent_part(state: State) -> tuple:
    return (state.trial_id, state.consent, state.current, dict(state.answers), state.verdict, state.contact_consent,
            dict(state.contact), state.referral)


def _keeps_sent(handler):
    """Once the referral is sent, the turn leaves what it was made from as it was (only erasure, which
    withdraws the referral, may clear it): a turn that would change it is replaced by saying so. The
    handlers refuse such changes themselves; this makes sure no path, present or future, slips by."""
    @wraps(handler)
    def wrapped(protocol: Protocol, state: State, *args) -> Turn:
        turn = handler(protocol, state, *args)
        if not state.referral or turn.command == ERASE or _sent_part(turn.state) == _sent_part(state):
            return turn
        return already_sent(protocol, state)
    return wrapped


# ----------------------------------------------------------------------------- events


def _opening(handler):
    """Before the intro, any side-question first gets the intro, then its own answer."""
    @wraps(handler)
    def wrapped(protocol: Protocol, state: State, *args) -> Turn:
        protocol = protocol.in_language(state.lang)
        if state.trial_id is not None:
            return handler(protocol, state, *args)
        opened = start(protocol, state)
        turn = handler(protocol, opened.state, *args)
        return Turn(turn.state, opened.replies[:1] + turn.replies)
    return wrapped


@_keeps_sent
def start(protocol: Protocol, state: State) -> Turn:
    """The intro and consent question, or a friendly return to where the volunteer was."""
    protocol = protocol.in_language(state.lang)
    if state.referral or (state.trial_id == protocol.trial_id and state.consent):
        return Turn(state, (_reply(state, _t(state, "Hello again!")),) + prompt(protocol, state))
    fresh = State(trial_id=protocol.trial_id, language=state.language)
    return Turn(fresh, (_reply(fresh, protocol.intro + "\n" + _language_hint(fresh), brief=protocol.brief_intro),
                        consent_prompt(protocol, fresh)))


def _language_hint(state: State) -> str:
    """How to change language, said in the other language's own words too."""
    if state.lang == i18n.CHINESE:
        return _t(state, "For English, reply \u201cEnglish\u201d.")
    return "For Chinese, reply \u201c中文\u201d. 如需中文服务，请回复\u201c中文\u201d。"


@_keeps_sent
def set_language(protocol: Protocol, state: State, language: Optional[str]) -> Turn:
    """The volunteer chose a language: everything from now on is in it; answers given are kept."""
    if language not in i18n.offered(protocol):  # a site that offers approved translations only
        return Turn(state, (_reply(state, _t(state, "Sorry, that language is not available yet.")),)
                    + prompt(protocol.in_language(state.lang), state))
    chosen = replace(state, language=language)
    protocol = protocol.in_language(chosen.lang)
    said = _reply(chosen, _t(chosen, "Okay, I'll continue in English."))
    if chosen.trial_id is None:
        return start(protocol, chosen)
    return Turn(chosen, (said,) + prompt(protocol, chosen))


@_keeps_sent
def message(protocol: Protocol, state: State, text: str, intent: Optional[str], confidence: float = 0.0) -> Turn:
    """Any message from the volunteer, read against where the conversation stands.

    `intent` is the NLU's (None when it was not confident); it is one signal among others: a command
    that changes answers counts only when the whole message is that command (or a button), and at a
    question the reply is first read as an answer to that question (bot/answers.py).
    """
    text = text or ""
    if len(text) > MAX_MESSAGE_CHARS:
        protocol = protocol.in_language(state.lang)
        return Turn(state, (_reply(state, _t(state, 
            "Sorry, that message is too long for me (over {limit:,} characters), so I haven't read or recorded it. "
            "Please send a shorter one.").format(limit=MAX_MESSAGE_CHARS)),)
                    + (prompt(protocol, state) if state.trial_id else ()))
    asked = i18n.requested(text)
    if asked and not _confirming_erase(state):
        return set_language(protocol, replace(state, pending=None), asked)
    if state.language is None and i18n.written_in(text) in i18n.offered(protocol):
        state = replace(state, language=i18n.written_in(text))  # the first message written in a language chooses it
    protocol = protocol.in_language(state.lang)
    picked = _numbered_choice(text, state.choices)
    if picked:
        return _choose(protocol, replace(state, choices=() if picked[0] != "erase_data" else state.choices), *picked)
    clicked = _payload(text)
    if clicked and clicked[0] == "set_language":
        return set_language(protocol, replace(state, pending=None), clicked[1].get("language"))
    if clicked and clicked[0] in _CHOSEN:  # the other payloads are read below, with their intent
        return _choose(protocol, replace(state, pending=None), *clicked)
    if _confirming_erase(state):
        said = answers.confirmation(text)
        if said == "yes" or (intent == "erase_data" and answers.command_in(text) == "erase_data"):
            return erase_data(protocol, state)
        if said == "no":
            return Turn(state, (_reply(state, _t(state, "Okay, I haven't deleted anything.")),)
                        + prompt(protocol, state))
    if state.pending:
        return _settle_pending(protocol, state, text, intent, confidence)
    command = answers.command_in(text)
    if state.trial_id is None and (intent == "find_trials" or (clicked and clicked[0] == "find_trials")):
        return find_trials(protocol, state)
    if state.trial_id is None:
        other = answers.non_answer(text)
        if command or intent in answers.SIDE_INTENTS or (other is not None and other.kind == answers.QUESTION):
            opened = start(protocol, state)
            turn = message(protocol, opened.state, text, intent, confidence)
            return Turn(turn.state, opened.replies[:1] + turn.replies, turn.command)
        return start(protocol, state)
    if command:
        return _command(protocol, state, command)
    if not state.consent:
        return _consent(protocol, state, text, intent, confidence)
    if state.current is None:
        return _after_questions(protocol, state, text, intent)

    criterion = criterion_of(protocol, state, state.current)
    reading = answers.read(criterion, text, intent, confidence)
    if reading.kind == answers.ANSWER:
        return _answered(protocol, replace(state, last_unclear=None), criterion, reading, text)
    if reading.kind == answers.QUESTION:
        return _side_question(protocol, state, reading.detail)
    if reading.kind == answers.GUESS:  # read back, recorded only when the volunteer says it is right
        pending = {"criterion": criterion.id, "answer": reading.answer, "text": own_words(text, state.lang)}
        return Turn(replace(state, pending=pending), (_confirm_question(state, criterion, reading),))
    if reading.kind == answers.OFFER:
        _ = _tr(state)
        question, yes = OFFERS[reading.detail]
        return Turn(replace(state, pending={"criterion": OFFERED_COMMAND, "answer": reading.detail}), (_reply(
            state, _join(state, _("I haven't recorded an answer."), _(question)), ((yes, f"/{reading.detail}"), NO)),))
    return _no_answer(protocol, state, reading)


@_opening
def why(protocol: Protocol, state: State) -> Turn:
    _ = _tr(state)
    criterion = _criterion_in_focus(protocol, state)
    if criterion is None:
        text = _("I ask a few questions about your health and treatment so the study team can see whether "
                 "this trial might suit you, before anyone contacts you.")
    elif state.lang == i18n.ENGLISH:
        text = f"{criterion.why}\n" + _("The study's own words: \u201c{text}\u201d").format(text=criterion.text)
    else:  # the registry's words are English: not quoted to a volunteer reading another language
        text = criterion.why
    return Turn(state, (_reply(state, text),) + prompt(protocol, state))


@_opening
def explain(protocol: Protocol, state: State) -> Turn:
    criterion = _criterion_in_focus(protocol, state)
    if criterion is None:
        text = _t(state, "This is a short prescreen for the trial \u201c{title}\u201d. I ask one question per entry "
                          "requirement; the study team then decides who can take part.").format(title=protocol.title)
    else:
        text = criterion.explanation
    return Turn(state, (_reply(state, text),) + prompt(protocol, state))


@_keeps_sent
@_opening
def go_back(protocol: Protocol, state: State) -> Turn:
    if state.referral:
        return already_sent(protocol, state)
    if not state.consent:
        return Turn(state, prompt(protocol, state))
    _ = _tr(state)
    if state.catalogue and state.asked:
        return _catalogue_back(protocol, state)
    previous = screening.previous_criterion(protocol, state.answers, state.current)
    if previous is None:
        return Turn(state, (_reply(state, _("This is the first question, so there is nothing before it.")),)
                    + prompt(protocol, state))
    recorded = state.answers.get(previous)
    lead = (_("Let's go back. You answered \u201c{answer}\u201d. ").format(answer=recorded.text) if recorded
            else _("Let's go back. "))
    back = replace(state, current=previous, verdict=None, contact_consent=None, contact={})
    return Turn(back, prompt(protocol, back, lead))


@_keeps_sent
@_opening
def start_over(protocol: Protocol, state: State) -> Turn:
    if state.referral:
        return already_sent(protocol, state)
    if not state.consent:
        return Turn(state, prompt(protocol, state))
    catalogue = state.catalogue if protocol.trial_id in state.catalogue else ()
    return _advance(protocol, replace(state, answers={}, verdict=None, current=None, contact_consent=None,
                                      contact={}, catalogue=catalogue, asked=(), trial_verdicts={}, teams=()),
                    _t(state, "I've cleared all your answers. Let's start again. "))


@_keeps_sent
def stop(protocol: Protocol, state: State) -> Turn:
    _ = _tr(state)
    protocol = protocol.in_language(state.lang)
    if state.consent is None:  # "stop" at the consent question is a No to it: said so, and how to change one's mind
        return _decline(state)
    if not state.consent:
        return Turn(state, (_reply(state, _("No problem. Thank you for your interest in the trial. Goodbye!")),))
    if state.collecting_contact:
        return Turn(replace(state, contact_consent=None, contact={}), (_reply(state, _(
            "Okay, I haven't sent anything, and I've cleared the contact details you gave. If you'd like the "
            "study team to contact you later, come back to this chat and say \u201cyes, contact me\u201d.")),))
    if state.verdict:
        return Turn(state, (_reply(state, _("Thank you for your time. Goodbye!")),))
    stopped = replace(state, current=None)
    return Turn(stopped, (_reply(state, _(
        "Okay, we'll stop here. Thank you for your time. Your answers so far are kept so you can carry on later: "
        "just send a message and say \u201ccontinue\u201d, or \u201cstart over\u201d to begin again."),
        (CONTINUE, START_OVER)),))


def erase_data(protocol: Protocol, state: State) -> Turn:
    """"Delete my data": ask to confirm, and on a yes (or a second request) erase and end the conversation."""
    _ = _tr(state)
    protocol = protocol.in_language(state.lang)
    if _confirming_erase(state):
        done = (_("Done: I've deleted your answers and this conversation, and withdrawn your referral (if the study "
                  "team already has it, they are asked to delete it). Thank you for your interest in the trial. If "
                  "you write again, we start afresh.") if state.referral else
                _("Done: I've deleted your answers and this conversation. Thank you for your interest in the trial. "
                  "If you write again, we start afresh."))
        return Turn(State(language=state.language), (_reply(state, done),), ERASE)
    if state.referral:
        question = _("Do you want me to delete everything you told me in this chat, and ask the study team to "
                     "delete your referral {reference}? This can't be undone.").format(reference=state.referral)
    elif state.consent:
        question = _("Do you want me to delete your answers and everything you told me in this chat? This can't "
                     "be undone.")
    else:
        question = _("Do you want me to delete this conversation? This can't be undone.")
    return Turn(state, (_reply(state, question, (ERASE_YES, ERASE_NO)),))


@_opening
def trial_info(protocol: Protocol, state: State, intent: str) -> Turn:
    text = getattr(protocol.info, INFO_TOPICS[intent])
    return Turn(state, (_reply(state, text),) + prompt(protocol, state, _t(state, "Back to where we were. ")))


@_keeps_sent
def change_contact(protocol: Protocol, state: State, field_name: Optional[str], text: str = "") -> Turn:
    """Correct one contact field before confirming: forget it, and let the form ask for it again."""
    protocol = protocol.in_language(state.lang)
    if not state.collecting_contact:
        return Turn(state, prompt(protocol, state))
    field_name = field_name or contact_fields.field_named_in(text)
    if field_name not in contact_fields.FIELDS:
        return Turn(state, (change_menu(state),))
    contact = {k: v for k, v in state.contact.items() if k != field_name}
    return Turn(replace(state, contact=contact),
                (_reply(state, _t(state, contact_fields.CHANGING[field_name])),), COLLECT_CONTACT)


@_keeps_sent
def contact_collected(protocol: Protocol, state: State) -> Turn:
    """The contact form has every field it needs: read them back before anything is sent."""
    protocol = protocol.in_language(state.lang)
    return Turn(state, (summary(protocol, state),))


def referral_sent(protocol: Protocol, state: State) -> Turn:
    """The referral is stored under `state.referral`: its reference on a line of its own, what happens next
    (in the listing's words) and when, and how to reach the site."""
    _ = _tr(state)
    protocol = protocol.in_language(state.lang)
    if len(state.references) > 1:
        text = _lines(_("Thank you. Your contact details, and the answers each study needs, were sent to the study "
                        "teams you chose. Your reference numbers:\n{references}").format(
            references=references_text(protocol, state)), what_happens_next(protocol, state))
        brief = _("Sent. Your references:\n{references}\nThe study teams will contact you in the next few days.").format(
            references=references_text(protocol, state, brief=True))
        return Turn(state, (_reply(state, text, brief=brief),))
    if state.referral and state.catalogue and state.teams and state.teams[0] != protocol.trial_id:
        protocol = next(p for p in screened(protocol, state) if p.trial_id == state.teams[0])
    text = _lines(_("Thank you. Your answers and contact details were sent to the study team at the {site}.\n"
                    "Your reference number:\n{reference}").format(site=protocol.study_team.site,
                                                                  reference=state.referral),
                  what_happens_next(protocol, state), reach_text(protocol, state))
    way = _(contact_fields.WAYS.get(state.contact.get(contact_fields.WAY), contact_fields.ANY_WAY))
    brief = _lines(_("Sent. Your reference:\n{reference}\nThe study team will contact you {way} in the next few "
                     "days.").format(reference=state.referral, way=way), reach_text(protocol, state, brief=True))
    checklist = checklist_text(protocol, state)
    if checklist:
        more = "\n" + _("Before they contact you, you could check these with your doctor:\n{checklist}").format(
            checklist=checklist)
        text, brief = text + more, brief + more
    return Turn(state, (_reply(state, text, brief=brief),))


def what_happens_next(protocol: Protocol, state: State) -> str:
    _ = _tr(state)
    way = _(contact_fields.WAYS.get(state.contact.get(contact_fields.WAY), contact_fields.ANY_WAY))
    return _("What happens next: you can expect the study team to contact you {way} in the next few days. "
             "Additional screening procedures may be conducted by the study team before you can be confirmed "
             "eligible to participate. If you are confirmed eligible after full screening, you will be asked to "
             "understand and sign the informed consent before you decide to enroll.").format(way=way)


def other_studies_saved(protocol: Protocol, state: State) -> Turn:
    """The consent to hear about the site's other studies is stored: say so, how to withdraw it, and where
    the conversation stands."""
    _ = _tr(state)
    protocol = protocol.in_language(state.lang)
    way = _(contact_fields.WAYS.get(state.contact.get(contact_fields.WAY), contact_fields.ANY_WAY))
    text = _("Thank you. The {site} may contact you {way} about its other studies. This is separate from this "
             "trial, and you can withdraw it at any time by saying \u201cdelete my data\u201d.").format(
        site=protocol.study_team.site, way=way)
    return Turn(state, (_reply(state, text),) + prompt(protocol, state))


# ----------------------------------------------------------------------------- the site's other trials


def _others(protocol: Protocol, state: State) -> Tuple[Protocol, ...]:
    """The site's other open trials (bot/trials.py) that speak the volunteer's language."""
    return tuple(p for p in trials.open_protocols() if p.trial_id != protocol.trial_id
                 and (state.lang == p.language or state.lang in p.translations))


def screened(protocol: Protocol, state: State) -> Tuple[Protocol, ...]:
    """The trials screened in this conversation, in the volunteer's language: the one they came for first."""
    found = [protocol.in_language(state.lang)]
    for trial_id in state.catalogue:
        if trial_id != protocol.trial_id:
            found.append(load_protocol(trial_id).in_language(state.lang))
    return tuple(found)


def _catalogue(protocol: Protocol, state: State) -> Tuple[Protocol, ...]:
    """The trials the catalogue's questions are for."""
    return tuple(p for p in screened(protocol, state) if p.trial_id in state.catalogue)


def criterion_of(protocol: Protocol, state: State, criterion_id: str) -> Criterion:
    """A criterion of the trial the volunteer came for, or of one of the others being checked."""
    if criterion_id in protocol.by_id:
        return protocol.by_id[criterion_id]
    return next(p.by_id[criterion_id] for p in _catalogue(protocol, state) if criterion_id in p.by_id)


def _still_possible(protocol: Protocol, state: State) -> bool:
    """Some other open trial that the answers given do not already rule out."""
    return any(screening.evaluate(p, state.answers).verdict != screening.LIKELY_INELIGIBLE
               for p in _others(protocol, state))


def _find_offer(protocol: Protocol, state: State) -> Tuple[Tuple[str, str], ...]:
    """The button that checks the site's other trials, where one may still suit and they were not checked yet."""
    return (FIND_TRIALS,) if not state.catalogue and _still_possible(protocol, state) else ()


def references_text(protocol: Protocol, state: State, brief: bool = False) -> str:
    _ = _tr(state)
    titles = {p.trial_id: p.short_title for p in screened(protocol, state)}
    return "\n".join(reference if brief else _("{study}: {reference}").format(study=titles[t], reference=reference)
                     for t, reference in state.references.items())


@_keeps_sent
def find_trials(protocol: Protocol, state: State) -> Turn:
    """"Which trials could suit me?" / the button "Check the site's other studies": screen for the site's
    other open trials too, reusing every answer given and asking only what decides them (bot/matching.py)."""
    protocol = protocol.in_language(state.lang)
    _ = _tr(state)
    others = _others(protocol, state)
    if state.referral or not _still_possible(protocol, state):  # nothing left to check: where else to look
        return next_steps_answer(protocol, state, answers.OTHER_TRIALS)
    if state.catalogue:  # already checking them: carry on where it stands
        return Turn(state, prompt(protocol, state, _("Back to where we were. ")))
    if state.trial_id is None or not state.consent:
        fresh = replace(state, trial_id=protocol.trial_id, catalogue=(protocol.trial_id,) + tuple(
            p.trial_id for p in others), pending=None)
        titles = "\n".join(_("- {title}").format(title=p.headline or p.title) for p in (protocol,) + others)
        intro = _("Hello! I'm an automated prescreening assistant for the {site}. I can check which of its {count} "
                  "studies might suit you:\n{titles}\nI ask one question at a time, only what decides them, and "
                  "never the same thing twice. This is a short prescreen, not enrollment: each study team makes "
                  "every decision. If you agree, I'll keep your answers so the study teams can review them. Nothing "
                  "about your health is stored until you agree. You can stop at any time, or ask for your answers "
                  "to be deleted.").format(site=protocol.study_team.site, count=1 + len(others), titles=titles)
        return Turn(fresh, (_reply(fresh, intro + "\n" + _language_hint(fresh), brief=_(
            "Hi! I'm an automated prescreen for the {site}'s {count} studies: I can check which might suit you.").format(
            site=protocol.study_team.site, count=1 + len(others))), consent_prompt(protocol, fresh)))
    if state.verdict is None:  # in the middle of the questions for the trial they came for
        return Turn(state, (_reply(state, _("Let's finish the questions for this trial first. At the end I can check "
                                            "the site's other studies too, with the answers you've already given.")),)
                    + prompt(protocol, state, _("Back to where we were. ")))
    checking = replace(state, catalogue=tuple(p.trial_id for p in others), contact_consent=None, contact={},
                       pending=None)
    ngettext = i18n.ngettext_for(state.lang)
    return _advance(protocol, checking, ngettext(
        "I'll check the site's other study with the answers you've already given, and ask only what is still "
        "missing. ",
        "I'll check the site's other {count} studies with the answers you've already given, and ask only what is "
        "still missing. ", len(others)).format(count=len(others)))


def _advance_catalogue(protocol: Protocol, state: State, lead: str = "", brief_lead: Optional[str] = None) -> Turn:
    """The next question that decides the most of the catalogue's open trials, or every trial's result."""
    catalogue = _catalogue(protocol, state)
    step = matching.next_step(catalogue, state.answers)
    evaluated = matching.verdicts(screened(protocol, state), state.answers)
    verdicts = {t: e.verdict for t, e in evaluated.items()}
    if state.verdict:
        verdicts[protocol.trial_id] = state.verdict  # the trial they came for was decided before the others
    if step is not None:
        cid = step.criterion.id
        moved = replace(state, current=cid, asked=state.asked if cid in state.asked else state.asked + (cid,),
                        trial_verdicts=verdicts)
        return Turn(moved, (ask(protocol, moved, criterion_of(protocol, moved, cid), lead, brief_lead),))
    done = replace(state, current=None, verdict=verdicts[protocol.trial_id], trial_verdicts=verdicts)
    replies = (catalogue_results(protocol, done),) + (() if done.referable else (next_steps_reply(protocol, done),)) \
        + prompt(protocol, done)
    if lead:
        replies = (_reply(state, lead.strip(), brief=(brief_lead or lead).strip()),) + replies
    return Turn(done, replies)


def catalogue_results(protocol: Protocol, state: State) -> Reply:
    """Per trial screened: may qualify, needs review (with what to check), or likely not (with the reason)."""
    _ = _tr(state)
    lines, brief = [], []
    for trial in screened(protocol, state):
        result = screening.evaluate(trial, state.answers)
        verdict = state.trial_verdicts.get(trial.trial_id, result.verdict)
        if verdict == screening.LIKELY_INELIGIBLE:
            criterion = trial.by_id[result.ruled_out_by]
            lines.append(_("- {study}: likely not, because of your answer about {topic}. {reason}").format(
                study=trial.title, topic=criterion.short, reason=criterion.ruled_out))
            brief.append(_("{study}: likely not ({topic})").format(study=trial.short_title, topic=criterion.short))
        elif verdict == screening.NEEDS_REVIEW:
            checks = screening.doctor_checklist(trial, state.answers)
            lines.append(_("- {study}: you may qualify; the study team needs to check: {checks}.").format(
                study=trial.title, checks=_("; ").join(f"{item.short} ({item.check})" for item in checks)))
            brief.append(_("{study}: you may qualify, to check: {topics}").format(
                study=trial.short_title, topics=_(", ").join(item.short for item in checks)))
        else:
            lines.append(_("- {study}: you may qualify.").format(study=trial.title))
            brief.append(_("{study}: you may qualify").format(study=trial.short_title))
    return _reply(state, _lines(_("Thank you, that was the last question. What your answers suggest for each "
                                  "study:"), *lines, _("This is only a prescreen: each study team decides who can "
                                                        "take part, after further screening.")),
                  brief=_lines(_("Done. For each study:"), *brief))


def _catalogue_back(protocol: Protocol, state: State) -> Turn:
    """"Go back" while (or after) checking the other studies: the catalogue's question before."""
    _ = _tr(state)
    place = state.asked.index(state.current) if state.current in state.asked else len(state.asked)
    if place == 0:
        return Turn(state, (_reply(state, _("This is the first question for the site's studies, so there is "
                                            "nothing before it here.")),) + prompt(protocol, state))
    previous = state.asked[place - 1]
    recorded = state.answers.get(previous)
    lead = (_("Let's go back. You answered \u201c{answer}\u201d. ").format(answer=recorded.text) if recorded
            else _("Let's go back. "))
    back = replace(state, current=previous, contact_consent=None, contact={}, teams=())
    if protocol.trial_id in state.catalogue:
        back = replace(back, verdict=None)
    return Turn(back, prompt(protocol, back, lead))


# ----------------------------------------------------------------------------- helpers


# The buttons _choose carries out itself; any other payload (an answer, a side question) is read as a
# message with its intent. (Routing every payload here made a typed "/ask_why{...}" call itself forever.)
_CHOSEN = frozenset({"go_back", "start_over", "change_contact", "erase_data", "stop", "find_trials"})


def _choose(protocol: Protocol, state: State, intent: str, entities: dict) -> Turn:
    """Do what the picked button would have done."""
    if intent == "go_back":
        return go_back(protocol, state)
    if intent == "start_over":
        return start_over(protocol, state)
    if intent == "change_contact":
        return change_contact(protocol, state, entities.get("contact_field"))
    if intent == "erase_data":
        return erase_data(protocol, state)
    if intent == "stop":
        return stop(protocol, state)
    if intent == "find_trials":  # the page's opening payload names the page's language
        chosen = entities.get("language")
        return find_trials(protocol, replace(state, language=chosen) if chosen in i18n.offered(protocol) and
                           state.trial_id is None else state)
    if intent == "set_language":  # the language switch picked by its number: its language is in the payload
        return set_language(protocol, replace(state, pending=None), entities.get("language"))
    return message(protocol, state, f"/{intent}" + (json.dumps(entities) if entities else ""), intent, 1.0)


def _contact_step(protocol: Protocol, state: State, intent: Optional[str], team: Optional[str] = None) -> Turn:
    """After a verdict that may qualify: may the study team contact you, then confirm the details. After one
    that rules the volunteer out: may the site contact you about its other studies (a consent of its own)."""
    if state.collecting_contact and contact_fields.is_complete(state.contact):
        if intent == "affirm":
            return Turn(state, (), SAVE_OTHER_STUDIES if state.may_offer_other_studies else SUBMIT_REFERRAL)
        if intent == "deny":
            return Turn(state, (change_menu(state),))
        return _unclear_choice(state, summary(protocol, state))
    _ = _tr(state)
    if state.may_offer_other_studies:
        return _other_studies_step(protocol, state, intent)
    if intent == "affirm":
        teams = ((team,) if team in state.referable else state.referable) if state.catalogue else ()
        return Turn(replace(state, contact_consent=True, last_unclear=None, teams=teams), (_reply(state, _(
            "Thank you. I'll ask a few short questions about how the study team can reach you. "
            "You can say \u201cpause\u201d at any time and nothing will be sent."),
            brief=_("Thank you. Nothing is sent until you confirm.")),), COLLECT_CONTACT)
    if intent == "deny":
        return Turn(replace(state, contact_consent=False, contact={}, last_unclear=None), (_reply(state, _(
            "That's fine: nothing more will be collected and no one will contact you. If you change your mind, "
            "come back to this chat and say \u201cyes, contact me\u201d.")),))
    return _unclear_choice(state, contact_question(protocol, state))


def _other_studies_step(protocol: Protocol, state: State, intent: Optional[str]) -> Turn:
    """The answer to "may the site contact you about its other studies?"."""
    _ = _tr(state)
    if intent == "affirm":
        return Turn(replace(state, contact_consent=True, last_unclear=None), (_reply(state, _(
            "Thank you. I'll ask a few short questions about how the {site} can reach you. You can say "
            "\u201cstop\u201d at any time and nothing will be kept.").format(site=protocol.study_team.site)),),
            COLLECT_CONTACT)
    if intent == "deny":
        declined = replace(state, contact_consent=False, contact={}, last_unclear=None)
        return Turn(declined, (_reply(state, _("That's fine: nothing more will be collected.")),)
                    + prompt(protocol, declined))
    return _unclear_choice(state, other_studies_question(protocol, state))


def _unclear_choice(state: State, question: Reply) -> Turn:
    """A reply to a yes/no choice that is neither: say so, in other words the second time in a row."""
    _ = _tr(state)
    again = state.last_unclear == answers.YES_OR_NO
    text = (_("I still couldn't tell whether that means yes or no. Please tap one of the buttons, or answer "
              "\u201cyes\u201d or \u201cno\u201d.") if again else
            _("I couldn't tell whether that means yes or no."))
    return Turn(replace(state, last_unclear=answers.YES_OR_NO), (_reply(state, text), question))


def _consent(protocol: Protocol, state: State, text: str, intent: Optional[str], confidence: float) -> Turn:
    reading = answers.read_consent(text, intent, confidence)
    if reading.kind == answers.QUESTION:
        return _side_question(protocol, state, reading.detail)
    if reading.kind != answers.ANSWER:
        return _no_answer(protocol, state, reading)
    _ = _tr(state)
    if reading.answer == "yes" and reading.detail == answers.UNCLEAR_YES:
        return Turn(replace(state, pending={"criterion": CONSENT, "answer": "yes", "text": ""}), (_reply(state, _(
            "Just to be sure: you'd like to start the prescreening questions, and you agree that I keep your "
            "answers as described above?"), (CONSENT_YES, CONSENT_NO)),))
    if reading.answer == "yes":
        return _advance(protocol, replace(state, consent=True, last_unclear=None), _("Thank you. "))
    if reading.answer == "no":
        return _decline(state)
    return Turn(state, (_reply(state, _("Take your time. You can ask me about the trial first, for example "
                                        "\u201cwhat is this trial about?\u201d or \u201cwhat will happen to "
                                        "me?\u201d.")),
                        consent_prompt(protocol, state)))


def _decline(state: State) -> Turn:
    return Turn(replace(state, consent=False, pending=None), (_reply(state, _t(state, 
        "That's fine, thank you for your interest. Nothing about your health has been stored. "
        "If you change your mind, just say \u201cstart\u201d.")),))


def _command(protocol: Protocol, state: State, command: str) -> Turn:
    """A command typed in so many words (a click goes to _choose). A typed "start over" is confirmed
    before anything is cleared."""
    if command == "start_over" and state.consent and state.answers and not state.referral:
        return Turn(replace(state, pending={"criterion": START_OVER_PENDING}), (_reply(state, _t(state, 
            "Do you want me to clear all your answers and start the questions again?"),
            (START_OVER_YES, START_OVER_NO)),))
    return _choose(protocol, state, command, {})


def _after_questions(protocol: Protocol, state: State, text: str, intent: Optional[str]) -> Turn:
    """A message when no question is open: stopped, finished, or deciding about the study team's call."""
    other = answers.non_answer(text)
    if other is not None and other.kind == answers.QUESTION or intent in answers.SIDE_INTENTS:
        return _side_question(protocol, state, answers.question_topic(text, intent) or "")
    said = {"yes": "affirm", "no": "deny", "not_sure": "not_sure"}.get(answers.confirmation(text)) or intent
    if state.referral and other is None:  # an answer, a correction, "continue": nothing can change now
        return already_sent(protocol, state)
    if state.stopped and said == "affirm":
        return _advance(protocol, state, _t(state, "Welcome back. "))
    if state.may_refer or state.may_offer_other_studies and state.contact_consent is not False:
        clicked = _payload(text)
        return _contact_step(protocol, state, said, (clicked[1] if clicked else {}).get("trial_id"))
    return Turn(state, prompt(protocol, state))


def _answered(protocol: Protocol, state: State, criterion: Criterion, reading: Reading, text: str) -> Turn:
    """A reply read as an answer: recorded, or first read back when typed words would rule the volunteer
    out (or an age was worked out from a birth year)."""
    if reading.typed and (criterion.rules_out(reading.answer) or reading.derived_from is not None
                          or reading.detail == answers.TURNING):
        pending = {"criterion": criterion.id, "answer": reading.answer, "text": own_words(text, state.lang)}
        return Turn(replace(state, pending=pending), (_confirm_question(state, criterion, reading),))
    return _record(protocol, state, criterion, reading.answer, text)


def _confirm_question(state: State, criterion: Criterion, reading: Reading) -> Reply:
    _ = _tr(state)
    if criterion.answer_type == "number" and reading.derived_from is not None:
        text = _("Just to be sure: you were born in {year}, so you are {age} this year?").format(
            year=reading.derived_from, age=reading.answer)
    elif criterion.answer_type == "number" and reading.detail == answers.TURNING:
        text = _("Just to be sure: you are {age} now, and will soon be {next}?").format(
            age=reading.answer, next=reading.numbers[0])
    elif criterion.answer_type == "number":
        text = _("Just to be sure: you are {age} years old?").format(age=reading.answer)
    elif criterion.rules_out(reading.answer) and criterion.confirm:
        text = _("Just to be sure: {restated}?").format(restated=criterion.confirm)
    else:
        said = _(YES[0] if reading.answer == "yes" else NO[0])
        text = _("Just to be sure: your answer is {answer}?").format(answer=said)
    return _reply(state, text, (CONFIRM_YES, NO, NOT_SURE))


def _record(protocol: Protocol, state: State, criterion: Criterion, answer, text: str) -> Turn:
    _ = _tr(state)
    answers_now = {**state.answers, criterion.id: RecordedAnswer(answer, own_words(text, state.lang))}
    lead, brief_lead = "", None
    if answer == "not_sure":
        space = "" if state.lang == i18n.CHINESE else " "
        lead = _join(state, _("That's completely normal, most people don't know this.")
                     if criterion.not_sure_is_normal else "",
                     _("I've noted \"Not sure\": it won't rule you out, the study team can check it.")) + space
        brief_lead = _("Noted: Not sure. It won't rule you out.") + space
    return _advance(protocol, replace(state, answers=answers_now, pending=None, last_unclear=None), lead, brief_lead)


def _settle_pending(protocol: Protocol, state: State, text: str, intent: Optional[str], confidence: float) -> Turn:
    """The reply to "Just to be sure: ...?". Anything that is not a yes, no or not sure is read afresh."""
    _ = _tr(state)
    pending, cleared = state.pending, replace(state, pending=None)
    said = answers.confirmation(text)
    if pending["criterion"] == CONSENT:
        if said == "yes":
            return _advance(protocol, replace(cleared, consent=True), _("Thank you. "))
        if said == "no":
            return _decline(cleared)
    elif pending["criterion"] == OFFERED_COMMAND:
        if said == "yes":
            return _choose(protocol, cleared, pending["answer"], {})
        if said in ("no", "not_sure"):
            return Turn(cleared, (_reply(state, _("Okay.")),) + prompt(protocol, cleared))
    elif pending["criterion"] == START_OVER_PENDING:
        if said == "yes" or answers.command_in(text) == "start_over":
            return start_over(protocol, cleared)
        if said in ("no", "not_sure"):
            return Turn(cleared, (_reply(state, _("Okay, I've kept all your answers.")),) + prompt(protocol, cleared))
    else:
        criterion = criterion_of(protocol, state, pending["criterion"])
        if said == "yes":
            return _record(protocol, cleared, criterion, pending["answer"], pending["text"])
        if said == "not_sure":
            return _record(protocol, cleared, criterion, "not_sure", text)
        if said == "no":
            return Turn(cleared, (_reply(state, _("Okay, I haven't recorded that. Let's try this question again.")),)
                        + prompt(protocol, cleared))
    return message(protocol, cleared, text, intent, confidence)


def _side_question(protocol: Protocol, state: State, topic: str) -> Turn:
    """A question about the study or the process: answered from the protocol where it says, honestly
    "I don't know" where it does not, then back to the open question."""
    if topic == "ask_why":
        return why(protocol, state)
    if topic == "ask_explain":
        return explain(protocol, state)
    if topic == answers.OTHER_TRIALS and not state.referral and _others(protocol, state):
        return find_trials(protocol, state)
    if topic in (answers.NEXT_STEPS, answers.OTHER_TRIALS) or (
            topic == "ask_what_happens" and (state.referral or state.verdict == screening.LIKELY_INELIGIBLE)):
        return next_steps_answer(protocol, state, topic)
    if topic in INFO_TOPICS:
        return trial_info(protocol, state, topic)
    _ = _tr(state)
    total = len(protocol.criteria)
    if topic == "progress" and state.current and state.catalogue:
        text = _("This is question {number} for the site's studies. I ask only what decides them, so the number "
                 "left depends on your answers.").format(number=len(state.asked))
    elif topic == "progress" and state.current:
        number = screening.question_number(protocol, state.current)
        text = _("This is question {number} of {total}, so there are {left} more after this one.").format(
            number=number, total=total, left=total - number)
    elif topic == "progress":
        text = _("There are {total} questions in all; it takes about 5 minutes.").format(total=total)
    elif topic == "privacy":
        text = _("Nothing about your health is kept until you agree to start the questions. After that, your "
                 "answers are kept in our database, and only the study team can see them, after logging in. "
                 "They are used only to see whether this trial might suit you. You can ask me to delete them at "
                 "any time: just say \u201cdelete my data\u201d.")
    elif topic == "skip" and state.current:
        text = _("You don't have to know the answer: you can choose \u201cNot sure\u201d, and it won't rule you "
                 "out. The study team can check it with you later.")
    elif topic == "who_answers":
        text = _("Please answer for the person who would take part in the trial. If you are helping a relative, "
                 "answer about them.")
    elif topic == "payment":
        text = _("The trial's listing doesn't say anything about payment or costs, so I don't know. "
                 "The study team can tell you.")
    else:
        text = _("I'm sorry, I don't know the answer to that. The study team can tell you.")
    return Turn(state, (_reply(state, text),) + prompt(protocol, state, _("Back to where we were. ")))


@_opening
def next_steps_answer(protocol: Protocol, state: State, topic: str) -> Turn:
    """"What should I do now?", "are there other trials for me?": by where the conversation stands."""
    _ = _tr(state)
    if state.referral:
        replies = (_reply(state, _lines(what_happens_next(protocol, state), reach_text(protocol, state))),)
    elif state.verdict == screening.LIKELY_INELIGIBLE:
        replies = (next_steps_reply(protocol, state),)
    elif state.verdict and topic == answers.OTHER_TRIALS:
        replies = (_reply(state, _("From your answers, you may qualify for this trial. If you'd like to look at other "
                                   "trials too, ClinicalTrials.gov, the public register of clinical trials, lists "
                                   "those recruiting near the {site}:\n{link}").format(
            site=protocol.study_team.site, link=next_steps.search_url(protocol))),)
    elif state.verdict:
        replies = (_reply(state, _("From your answers, you may qualify for this trial. The next step is yours: if "
                                   "you agree, I'll pass your answers and how to reach you to the study team at the "
                                   "{site}, and they contact you to check the rest. You can also talk to your own "
                                   "doctor about this trial.").format(site=protocol.study_team.site)),)
    else:
        replies = (_reply(state, _("Let's finish the questions for this trial first: then I'll tell you what this "
                                   "prescreen suggests and what you could do next, including where to look for "
                                   "other trials if this one doesn't suit you.")),)
    return Turn(state, replies + prompt(protocol, state, _("Back to where we were. ")))


# Why a reply gave no answer, said plainly; the second time in a row, said another way.
_NO_ANSWER = {
    answers.ACK: (N_("I haven't recorded an answer yet."), N_("I still haven't recorded an answer.")),
    answers.WAIT: (N_("Of course, take your time: I'll wait. When you're ready, just answer the question below; "
                      "nothing is recorded until you do."), N_("No rush: I'm still here whenever you're ready.")),
    answers.JUNK: (N_("Sorry, I couldn't read that as words, so I haven't recorded anything."),
                   N_("Sorry, I still couldn't read that as words.")),
    answers.YES_OR_NO: (N_("I couldn't tell whether that means yes or no, so I haven't recorded an answer."),
                        N_("I still couldn't tell whether that means yes or no. It's fine to answer just "
                           "\u201cyes\u201d, \u201cno\u201d or \u201cnot sure\u201d, or to tap a button.")),
    answers.CONFLICT: (N_("Your message seems to say both yes and no, so I haven't recorded an answer."),
                       N_("I'm still not sure whether you mean yes or no. Could you answer with just one of them?")),
    answers.NO_AGE: (N_("I couldn't find your age in that, so I haven't recorded anything."),
                     N_("I still couldn't find your age in that.")),
    answers.TOO_LONG: (N_("That message is too long for me to read as an answer, so I haven't recorded anything. "
                          "Please answer in a few words."),
                       N_("That is still too long for me to read as an answer.")),
}


def _no_answer(protocol: Protocol, state: State, reading: Reading) -> Turn:
    """Nothing recorded: say why (never the same words twice in a row) and ask the same question again."""
    _ = _tr(state)
    key = reading.detail if reading.kind == answers.UNCLEAR else reading.kind
    if reading.kind == answers.PERSON:
        text = _("I'm an automated assistant, so I can't put you through to a person here. The study team at the "
                 "{site} makes every decision: if this prescreen suggests the trial may suit you, I'll ask whether "
                 "they may contact you. You can also ask your own doctor about this trial.").format(
            site=protocol.study_team.site)
    elif key == answers.SEVERAL_AGES:
        seen = _(" and ").join(str(n) for n in reading.numbers)
        text = _("I read more than one number ({numbers}), so I'm not sure which is your age now.").format(
            numbers=seen)
    elif key == answers.NOT_AN_AGE:
        text = _("Sorry, {number} does not look like an age in years, so I haven't recorded it.").format(
            number=reading.numbers[0])
    elif key == answers.ACK and not state.consent:
        text = _("We haven't started the questions yet.")
    else:
        first, again = _NO_ANSWER.get(key, _NO_ANSWER[answers.YES_OR_NO])
        text = _(again if state.last_unclear == key else first)
    if reading.kind in (answers.WAIT, answers.PERSON) or not state.current:
        pass
    elif criterion_of(protocol, state, state.current).answer_type == "number":
        text = _join(state, text, _("Please type your age now in years, for example 45, or choose "
                                    "\u201cNot sure\u201d."))
    elif state.current:
        text = _join(state, text, _("Please answer Yes, No or Not sure, or ask \u201cwhat does that mean?\u201d."))
    return Turn(replace(state, last_unclear=key), (_reply(state, text),) + prompt(protocol, state))


def _advance(protocol: Protocol, state: State, lead: str = "", brief_lead: Optional[str] = None) -> Turn:
    """Ask the next question, or give the verdict when the answers decide it."""
    if state.catalogue:
        return _advance_catalogue(protocol, state, lead, brief_lead)
    result = screening.evaluate(protocol, state.answers)
    if result.verdict is None:
        moved = replace(state, current=result.next_criterion, verdict=None)
        return Turn(moved, (ask(protocol, moved, protocol.by_id[result.next_criterion], lead, brief_lead),))
    done = replace(state, current=None, verdict=result.verdict)
    replies = verdict_replies(protocol, done)
    if lead:
        replies = (_reply(state, lead.strip(), brief=(brief_lead or lead).strip()),) + replies
    return Turn(done, replies)


def _confirming_erase(state: State) -> bool:
    """The last message asked "delete everything?" (its buttons are the only ones offering /erase_data)."""
    return state.choices == (ERASE_YES[1], ERASE_NO[1])


def _criterion_in_focus(protocol: Protocol, state: State) -> Optional[Criterion]:
    if state.current:
        return criterion_of(protocol, state, state.current)
    if state.verdict == screening.LIKELY_INELIGIBLE:
        return protocol.by_id[screening.evaluate(protocol, state.answers).ruled_out_by]
    return None
