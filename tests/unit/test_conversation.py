"""The conversation core, turn by turn, without any server."""
from dataclasses import replace

from bot import conversation as c
from bot.conversation import State
from bot.screening import LIKELY_ELIGIBLE, LIKELY_INELIGIBLE, NEEDS_REVIEW


def consented(protocol):
    opened = c.start(protocol, State()).state
    return c.message(protocol, opened, "yes", "affirm")


def answer_all(protocol, state, override=None):
    """Answer every remaining question as a fully eligible volunteer would, with overrides."""
    override = override or {}
    turn = None
    while state.current:
        criterion = protocol.by_id[state.current]
        text, intent = override.get(criterion.id) or (
            ("45", "inform_number") if criterion.answer_type == "number"
            else ("yes", "affirm") if criterion.met_when == "yes" else ("no", "deny"))
        turn = c.message(protocol, state, text, intent)
        state = turn.state
    return turn


def test_intro_then_consent_question_and_no_health_question_before_yes(protocol):
    turn = c.message(protocol, State(), "hello", "greet")
    assert turn.state == State(trial_id="NCT04143984", language="en")  # "hello" is written in English
    assert "prescreen" in turn.replies[0].text and "not enrollment" in turn.replies[0].text
    assert "中文" in turn.replies[0].text  # how to choose Chinese, in Chinese too
    assert turn.replies[-1].buttons == (("Yes, let's start", "/affirm"), ("No, thanks", "/deny"),
                                        ("中文", '/set_language{"language": "zh"}'))
    declined = c.message(protocol, turn.state, "no", "deny")
    assert declined.state.consent is False and declined.state.current is None and not declined.state.answers
    assert "Nothing about your health has been stored" in declined.replies[0].text


def test_stop_typed_at_the_consent_question_is_a_no_to_it(protocol):
    opened = c.message(protocol, State(), "你好", "greet").state
    stopped = c.message(protocol, opened, "不想做了，谢谢", None)
    assert stopped.state.consent is False and stopped.state.current is None and not stopped.state.answers
    assert "没有保存" in stopped.replies[0].text or "没有储存" in stopped.replies[0].text, stopped.replies[0].text
    started = c.message(protocol, stopped.state, "开始", None)  # and one can still change one's mind
    assert started.state.consent is True and started.state.current == protocol.order[0]


def test_consent_asks_first_question_with_buttons(protocol):
    turn = consented(protocol)
    assert turn.state.consent is True and turn.state.current == "age"
    assert "Question 1 of 25" in turn.replies[0].text
    first_yes_no = c.message(protocol, turn.state, "45", "inform_number")
    assert first_yes_no.replies[0].buttons == (c.YES, c.NO, c.NOT_SURE)


def test_fully_eligible_volunteer_may_qualify(protocol):
    turn = answer_all(protocol, consented(protocol).state)
    assert turn.state.verdict == LIKELY_ELIGIBLE and turn.state.current is None
    text = turn.replies[0].text
    assert "may qualify" in text and "is not a final decision" in text and "you are eligible" not in text


def test_ruled_out_names_the_criterion_kindly_and_offers_go_back(protocol):
    asked = c.message(protocol, consented(protocol).state, "72", "inform_number")
    assert asked.state.answers == {} and asked.state.pending["answer"] == 72  # typed: read back first
    assert asked.replies[0].text == "Just to be sure: you are 72 years old?"
    turn = c.message(protocol, asked.state, "yes", "affirm")
    state = turn.state
    assert state.verdict == LIKELY_INELIGIBLE and state.current is None and state.answers["age"].text == "72"
    assert "your age" in turn.replies[0].text and "likely that you would not qualify" in turn.replies[0].text
    assert "study team makes all final decisions" in turn.replies[0].text
    assert c.GO_BACK in turn.replies[-1].buttons and not turn.replies[0].buttons  # buttons on the last message


def test_not_sure_continues_and_ends_in_needs_review_with_doctor_checklist(protocol):
    turn = answer_all(protocol, consented(protocol).state,
                      {"prior_imrt": ("I don't remember", "not_sure"), "blood_counts": ("no idea", "not_sure")})
    assert turn.state.verdict == NEEDS_REVIEW
    assert turn.state.answers["prior_imrt"].answer == "not_sure"
    assert turn.state.answers["prior_imrt"].text == "I don't remember"
    text = turn.replies[0].text
    assert protocol.by_id["prior_imrt"].doctor_check in text and protocol.by_id["blood_counts"].doctor_check in text


def test_lab_not_sure_is_called_normal(protocol):
    state = replace(consented(protocol).state, current="blood_counts")
    turn = c.message(protocol, state, "Not sure", "not_sure")
    assert "completely normal" in turn.replies[0].text


def test_unclear_reply_records_nothing_and_reasks_with_buttons(protocol):
    state = c.message(protocol, consented(protocol).state, "45", "inform_number").state
    for text, intent in [("asdfgh", None), ("banana", "out_of_scope"), ("45", "inform_number"), ("\u2603", "affirm")]:
        turn = c.message(protocol, state, text, intent, 1.0)
        assert (turn.state.answers, turn.state.current, turn.state.pending) == (state.answers, state.current, None)
        assert "haven't recorded" in turn.replies[0].text
        assert turn.replies[-1].buttons == (c.YES, c.NO, c.NOT_SURE)


def test_a_reask_never_repeats_the_same_words(protocol):
    state = c.message(protocol, consented(protocol).state, "45", "inform_number").state
    first = c.message(protocol, state, "asdfgh", None)
    second = c.message(protocol, first.state, "qwerty", None)
    assert first.replies[0].text != second.replies[0].text and "still" in second.replies[0].text


def test_implausible_age_is_asked_again(protocol):
    state = consented(protocol).state
    turn = c.message(protocol, state, "450", "inform_number")
    assert turn.state.answers == {} and "does not look like an age" in turn.replies[0].text


def test_why_shows_purpose_and_original_text_then_reasks(protocol):
    state = c.message(protocol, consented(protocol).state, "45", "inform_number").state
    criterion = protocol.by_id[state.current]
    turn = c.why(protocol, state)
    assert turn.state == state
    assert criterion.why in turn.replies[0].text and criterion.text in turn.replies[0].text
    assert criterion.question in turn.replies[-1].text


def test_explain_then_reasks(protocol):
    state = c.message(protocol, consented(protocol).state, "45", "inform_number").state
    turn = c.explain(protocol, state)
    assert turn.replies[0].text == protocol.by_id[state.current].explanation and turn.state == state


def test_go_back_reasks_previous_and_keeps_answers_until_changed(protocol):
    s1 = c.message(protocol, consented(protocol).state, "45", "inform_number").state
    s2 = c.message(protocol, s1, "no", "deny").state
    back = c.go_back(protocol, s2)
    assert back.state.current == s1.current and back.state.answers == s2.answers
    assert "You answered \u201cno\u201d" in back.replies[0].text
    changed = c.message(protocol, back.state, "Not sure", "not_sure")
    assert changed.state.answers[s1.current].answer == "not_sure"
    assert changed.state.current == s2.current


def test_go_back_after_ruled_out_lets_volunteer_correct(protocol):
    out = c.message(protocol, consented(protocol).state, "72", "inform_number").state
    back = c.go_back(protocol, out)
    assert (back.state.current, back.state.verdict) == ("age", None)
    fixed = c.message(protocol, back.state, "62", "inform_number").state
    assert fixed.verdict is None and fixed.answers["age"].answer == 62 and fixed.current != "age"


def test_start_over_clears_every_answer(protocol):
    state = c.message(protocol, consented(protocol).state, "45", "inform_number").state
    turn = c.start_over(protocol, state)
    assert turn.state.answers == {} and turn.state.current == "age" and turn.state.consent is True
    assert "cleared all your answers" in turn.replies[0].text


def test_stop_then_continue_resumes_where_left(protocol):
    state = c.message(protocol, consented(protocol).state, "45", "inform_number").state
    stopped = c.stop(protocol, state)
    assert stopped.state.current is None and stopped.state.answers == state.answers
    resumed = c.message(protocol, stopped.state, "continue", "affirm")
    assert resumed.state.current == state.current and "Welcome back" in resumed.replies[0].text


def test_trial_questions_answer_from_the_listing_and_return(protocol):
    state = c.message(protocol, consented(protocol).state, "45", "inform_number").state
    for intent, expected in [("ask_size", "146"), ("ask_sponsor", "Shanghai Proton and Heavy Ion Center"),
                             ("ask_treatment", "63 Gy"), ("ask_trial_about", "random"),
                             ("ask_what_happens", "next few days")]:
        turn = c.trial_info(protocol, state, intent)
        assert expected in turn.replies[0].text and turn.state == state
        assert protocol.by_id[state.current].question in turn.replies[-1].text


def test_side_question_before_intro_gets_intro_first(protocol):
    turn = c.trial_info(protocol, State(), "ask_size")
    assert turn.state.trial_id == "NCT04143984"
    assert turn.replies[0].text.startswith(protocol.intro) and turn.replies[1].text == protocol.info.size
    assert turn.replies[-1].text == protocol.consent_question


def test_button_clicks_are_recorded_in_the_words_shown(protocol):
    state = c.message(protocol, consented(protocol).state, "45", "inform_number").state
    turn = c.message(protocol, state, "/deny", "deny")
    assert turn.state.answers["distant_metastasis"].text == "No"


def with_choices(turn):
    return replace(turn.state, choices=c.offered_choices(turn.replies))


def test_numbered_replies_pick_the_offered_buttons(protocol):
    asked = c.message(protocol, with_choices(consented(protocol)), "45", "inform_number")
    state = with_choices(asked)
    assert state.choices == ("/affirm", "/deny", "/not_sure")
    turn = c.message(protocol, state, "2", "inform_number")
    assert turn.state.answers["distant_metastasis"].answer == "no"
    assert c.message(protocol, state, "3", "inform_number").state.answers["distant_metastasis"].answer == "not_sure"
    assert "couldn't tell" in c.message(protocol, state, "4", "inform_number").replies[0].text


def test_numbers_mean_choices_only_while_a_question_offers_them(protocol):
    state = c.message(protocol, consented(protocol).state, "45", "inform_number").state  # no choices recorded
    assert "couldn't tell" in c.message(protocol, state, "2", "inform_number").replies[0].text
    opened = c.start(protocol, State())
    assert c.message(protocol, with_choices(opened), "1", "inform_number").state.consent is True


def test_the_language_switch_is_picked_by_its_number_too(protocol):
    for language, other, said in (("en", "zh", "好的"), ("zh", "en", "English")):
        opened = with_choices(c.start(protocol, State(language=language)))
        assert opened.choices[-1] == f'/set_language{{"language": "{other}"}}'
        switched = c.message(protocol, opened, "3", "inform_number")
        assert switched.state.language == other and said in switched.replies[0].text


def test_plain_text_is_the_brief_form_with_the_choices_as_numbers(protocol):
    question = c.ask(protocol, State(), protocol.by_id["hiv"])
    assert c.plain_text(question) == ("Q13 of 25: Have you ever tested positive for HIV, or been told you have AIDS?\n"
                                      "Reply 1 Yes, 2 No, 3 Not sure")
    assert question.text.startswith("Question 13 of 25: Have you ever tested positive for HIV (the virus")
    assert c.plain_text(c.Reply("no buttons")) == "no buttons"
    assert c.plain_text(c.Reply("a \u201cquote\u201d\u2026 it\u2019s")) == "a \"quote\"... it's"  # GSM-7 in English
    chinese = c.ask(protocol, State(language="zh"), protocol.in_language("zh").by_id["hiv"])
    assert c.plain_text(chinese) == "第13/25题：您是否曾检测出艾滋病病毒（HIV）阳性，或被告知患有艾滋病？\n回复1是，2否，3不确定"


def test_every_question_fits_one_sms_on_a_text_channel(protocol):
    from bot.sms import segments
    for criterion in protocol.criteria:
        sent = c.plain_text(c.ask(protocol, State(), criterion))
        assert segments(sent) == 1, (criterion.id, len(sent), sent)


def test_a_language_without_a_brief_question_gets_its_own_full_question(protocol):
    criterion = protocol.by_id["hiv"]
    zh = criterion.translations["zh"].copy(update={"brief_question": None})
    bare = criterion.copy(update={"translations": {"zh": zh}}).in_language("zh", "en")
    assert bare.brief_question is None and bare.question == zh.question
    assert c.plain_text(c.ask(protocol, State(language="zh"), bare)).startswith(f"第13/25题：{zh.question}")


def test_a_brief_question_has_a_cap(protocol):
    import pytest
    from bot.protocol import BRIEF_QUESTION_CHARS
    with pytest.raises(ValueError, match="at most"):
        protocol.by_id["hiv"].__class__(**{**protocol.by_id["hiv"].dict(), "brief_question": "x" * (BRIEF_QUESTION_CHARS + 1)})


def test_the_contact_questions_on_a_text_channel(protocol):
    from bot import contact
    way = c.plain_text(c.ask_contact(State(), contact.WAY))
    assert way == "How would you like them to contact you?\nReply 1 E-mail, 2 Phone, 3 Either"
    assert c.ask_contact(State(), contact.TIME).buttons_in()[0] == ("Mornings", "mornings")
    assert c.plain_text(c.ask_contact(State(language="zh"), contact.TIME)) == (
        "什么时候联系您最方便？也可以直接说时间。\n回复1上午，2下午，3晚上，4任何时间")


def test_delete_my_data_asks_first_and_a_no_keeps_everything(protocol):
    state = with_choices(c.message(protocol, with_choices(consented(protocol)), "45", "inform_number"))
    asked = c.erase_data(protocol, state)
    assert asked.command is None and asked.state == state
    assert "delete your answers" in asked.replies[0].text and "can't be undone" in asked.replies[0].text
    kept = c.message(protocol, with_choices(asked), "no", "deny")
    assert kept.command is None and kept.state.answers == state.answers
    assert kept.replies[0].text == "Okay, I haven't deleted anything."
    assert kept.replies[-1].text.startswith("Question 2 of 25")


def test_delete_my_data_confirmed_by_yes_button_number_or_asking_again(protocol):
    state = with_choices(c.message(protocol, with_choices(consented(protocol)), "45", "inform_number"))
    asked = with_choices(c.erase_data(protocol, state))
    for confirmed in (c.message(protocol, asked, "yes", "affirm"), c.message(protocol, asked, "1", "inform_number"),
                      c.erase_data(protocol, asked)):
        assert confirmed.command == c.ERASE and confirmed.state == State(language="en")  # nothing else kept
        assert confirmed.replies[0].text.startswith("Done: I've deleted your answers")


def test_a_yes_only_confirms_erasure_right_after_the_question(protocol):
    """Once anything else was said, "yes" is an answer again, never a deletion."""
    state = with_choices(c.message(protocol, with_choices(consented(protocol)), "45", "inform_number"))
    asked = with_choices(c.erase_data(protocol, state))
    moved_on = with_choices(c.message(protocol, asked, "no", "deny"))
    turn = c.message(protocol, moved_on, "yes", "affirm")
    assert turn.command is None and turn.state.pending["answer"] == "yes"  # an answer, read back first


def test_oversized_message_is_not_read_and_the_question_is_asked_again(protocol):
    state = consented(protocol).state
    turn = c.message(protocol, state, "yes " * 600, "affirm")
    assert turn.state == state
    assert "too long for me" in turn.replies[0].text and turn.replies[-1].text.startswith("Question 1 of 25")


def test_an_unclear_reply_to_the_contact_question_is_said_differently_the_second_time(protocol):
    state = answer_all(protocol, consented(protocol).state).state
    first = c.message(protocol, state, "banana", None)
    second = c.message(protocol, first.state, "banana", None)
    assert first.replies[0].text == "I couldn't tell whether that means yes or no."
    assert second.replies[0].text.startswith("I still couldn't tell") and second.replies[-1] == c.contact_question(protocol, state)
    assert c.message(protocol, second.state, "yes please", None).state.contact_consent is True


def test_every_payload_typed_by_hand_gets_an_answer_without_recursing(protocol):
    """A payload for any intent, typed with arguments of any kind, at any point: a reply, never a crash
    (a typed "/ask_why{...}" used to call itself until Python's recursion limit)."""
    import yaml
    from bot import config
    intents = yaml.safe_load((config.PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))["intents"]
    intents = [i if isinstance(i, str) else next(iter(i)) for i in intents]
    at_question = consented(protocol).state
    states = {"new": State(), "intro": c.start(protocol, State()).state, "at a question": at_question}
    for intent in intents:
        for name, state in states.items():
            for typed in (f"/{intent}", f'/{intent}{{"note": "I have HIV"}}', f'/{intent}{{"x": [1'):
                turn = c.message(protocol, state, typed, intent, 1.0)
                assert turn.replies, (intent, name, typed)
    why = c.message(protocol, at_question, '/ask_why{"note": "x"}', "ask_why", 1.0)
    assert why.state.current == at_question.current and why.state.answers == at_question.answers


# ----------------------------------------------------------------------------- after the referral was sent
# Issue item 10: once the referral is sent, nothing in the conversation may change what it was made from
# (answers, verdict, where the screening stands, contact details): the study team has it as it was sent.

REFERENCE = "RF-7K3Q-9X2M"
CONTACT = {"contact_name": "Ana Lopez", "contact_preferred_way": "phone", "contact_phone": "+8613800138000",
           "contact_preferred_time": "evenings"}


def referred(protocol):
    """A may-qualify volunteer whose referral the action stored (bot.referrals), as the core then stands."""
    done = answer_all(protocol, consented(protocol).state)
    agreed = replace(c.message(protocol, with_choices(done), "yes please", "affirm").state, contact=CONTACT)
    confirmed = c.message(protocol, agreed, "yes, send it", "affirm")
    assert confirmed.command == c.SUBMIT_REFERRAL
    sent = c.referral_sent(protocol, replace(confirmed.state, referral=REFERENCE))
    return with_choices(sent)


def sent_part(state):
    return (state.trial_id, state.consent, state.current, dict(state.answers), state.verdict,
            state.contact_consent, dict(state.contact), state.referral)


def told_it_stays(turn, language="en"):
    """The volunteer is told the sent answers stay as they are, and what to do instead."""
    said = "\n".join(r.text for r in turn.replies)
    if language == "zh":
        return REFERENCE in said and "保持原样" in said and "删除我的数据" in said
    return (REFERENCE in said and "stay as they were sent" in said and "tell the study team" in said
            and "delete my data" in said)


def test_the_referred_state_is_may_qualify_and_offers_no_buttons(protocol):
    state = referred(protocol)
    assert state.verdict == LIKELY_ELIGIBLE and state.referral == REFERENCE and state.choices == ()


# Every way a volunteer can ask to change something: typed commands, their buttons (also from an earlier
# message), numbered replies on text channels, the change menu, answering again, a correction in words.
CHANGE_ATTEMPTS = [
    ("go back", "go_back"), ("/go_back", "go_back"), ("can we go back to the last question", "go_back"),
    ("start over", "start_over"), ("clear my responses", "start_over"), ("/start_over", "start_over"),
    ("yes", "affirm"), ("no", "deny"), ("not sure", "not_sure"), ("72", "inform_number"),
    ("actually the cancer has spread to my lungs", "affirm"), ("continue", "affirm"),
    ("change my answers", None),
]


def test_after_the_referral_typed_commands_buttons_and_new_answers_change_nothing(protocol):
    state = referred(protocol)
    for text, intent in CHANGE_ATTEMPTS:
        turn = c.message(protocol, state, text, intent, 0.95)
        assert sent_part(turn.state) == sent_part(state), text
        assert told_it_stays(turn), (text, [r.text for r in turn.replies])


def test_after_the_referral_go_back_and_start_over_themselves_change_nothing(protocol):
    state = referred(protocol)
    for handler in (c.go_back, c.start_over):
        turn = handler(protocol, state)
        assert sent_part(turn.state) == sent_part(state) and told_it_stays(turn), handler.__name__


def test_after_the_referral_a_typed_start_over_is_not_even_offered(protocol):
    """Before the referral a typed "start over" asks "clear all your answers?"; after it there is nothing to
    clear, so the yes that would follow cannot clear anything either."""
    state = referred(protocol)
    asked = c.message(protocol, state, "start over", "start_over")
    assert asked.state.pending is None and c.START_OVER_YES not in asked.replies[-1].buttons
    confirmed = c.message(protocol, with_choices(asked), "yes, clear my answers", "affirm")
    assert sent_part(confirmed.state) == sent_part(state)


def test_after_the_referral_numbered_replies_pick_nothing_that_changes_it(protocol):
    """On SMS a number picks one of the choices last offered: the referred state offers none, and choices
    left from before (the verdict's Go back / Start over, the summary's Send / Change) change nothing; the
    volunteer is told so instead of getting the last message again."""
    state = referred(protocol)
    for choices in ((), (c.GO_BACK[1], c.START_OVER[1]), (c.SEND[1], c.CHANGE[1]), (c.YES[1], c.NO[1], c.NOT_SURE[1])):
        for number in ("1", "2", "3"):
            turn = c.message(protocol, replace(state, choices=choices), number, "inform_number")
            assert sent_part(turn.state) == sent_part(state), (choices, number)
            assert turn.command is None and told_it_stays(turn), (choices, number)


def test_after_the_referral_the_change_menu_changes_nothing(protocol):
    state = referred(protocol)
    for text in ('/change_contact{"contact_field": "contact_phone"}', "/change_contact", "change my phone number"):
        turn = c.message(protocol, state, text, "change_contact")
        assert sent_part(turn.state) == sent_part(state) and turn.command is None, text
    turn = c.change_contact(protocol, state, "contact_phone")
    assert sent_part(turn.state) == sent_part(state) and turn.command is None


def test_after_the_referral_a_language_switch_keeps_it_and_says_so_in_chinese(protocol):
    state = referred(protocol)
    for switch in ("中文", '/set_language{"language": "zh"}'):
        chinese = c.message(protocol, state, switch, "set_language")
        assert chinese.state.language == "zh" and sent_part(chinese.state) == sent_part(state)
        for text in ("上一题", "重新开始", "我其实有远处转移", "是"):
            turn = c.message(protocol, chinese.state, text, None)
            assert sent_part(turn.state) == sent_part(state), text
            assert told_it_stays(turn, "zh"), (text, [r.text for r in turn.replies])


def test_after_the_referral_stop_then_continue_or_go_back_changes_nothing(protocol):
    state = referred(protocol)
    stopped = c.message(protocol, state, "stop", "stop")
    assert sent_part(stopped.state) == sent_part(state)
    for text, intent in (("continue", "affirm"), ("/affirm", "affirm"), ("go back", "go_back"),
                         ("start over", "start_over")):
        turn = c.message(protocol, stopped.state, text, intent)
        assert sent_part(turn.state) == sent_part(state) and told_it_stays(turn), text


def test_after_the_referral_a_greeting_returns_to_it_even_for_another_trial(protocol):
    """A greeting (or the page's opening payload) used to start a fresh screening when it named another
    trial, dropping the sent referral from the conversation."""
    state = referred(protocol)
    for opened_for in (protocol, protocol.copy(update={"trial_id": "NCT99999999"})):
        turn = c.start(opened_for, state)
        assert sent_part(turn.state) == sent_part(state), opened_for.trial_id
        assert turn.replies[0].text == "Hello again!" and REFERENCE in turn.replies[-1].text


def test_after_the_referral_questions_are_still_answered(protocol):
    state = referred(protocol)
    turn = c.message(protocol, state, "who runs it?", "ask_sponsor")
    assert sent_part(turn.state) == sent_part(state)
    assert "Shanghai Proton and Heavy Ion Center" in turn.replies[0].text


def test_after_the_referral_delete_my_data_is_the_way_to_a_new_screening(protocol):
    """The note's way out: erasure withdraws the referral (it alone may clear the state), then a new
    screening can start."""
    state = referred(protocol)
    asked = c.message(protocol, state, "delete my data", "erase_data")
    assert REFERENCE in asked.replies[0].text and asked.state == state
    done = c.message(protocol, with_choices(asked), "yes", "affirm")
    assert done.command == c.ERASE and done.state.referral is None and not done.state.answers
    again = c.message(protocol, done.state, "hello", "greet")
    assert again.state.trial_id == protocol.trial_id and again.state.consent is None


def test_no_handler_can_change_a_sent_referral_even_by_mistake(protocol):
    """The last line in the core: a turn that would change a referred state (here a handler gone wrong) is
    replaced by the note, with the state as it was."""
    state = referred(protocol)
    broken = c._keeps_sent(lambda p, s: c.Turn(replace(s, answers={}, verdict=LIKELY_INELIGIBLE, current="age"), ()))
    turn = broken(protocol, state)
    assert turn.state == state and told_it_stays(turn)
    erased = c._keeps_sent(lambda p, s: c.Turn(State(language=s.language), (), c.ERASE))(protocol, state)
    assert erased.command == c.ERASE and erased.state.referral is None
