"""Replies that count: while information is requested the applicant answers with the reply action (text and
files), offered as one clear form; a plain message is labelled as not answering. Messages email the other side
(as their email settings allow) and read as new until that side opens the case, in the queue and at home."""

import pytest
from django.core import mail
from django.utils import timezone

from exemptions import engine, notifications, services
from exemptions.models import Message, OutgoingEmail, Profile
from tests import factories


@pytest.fixture
def requested(dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    engine.apply(filing, "request_information", reviewer_ofac, "Which hospitals receive the drugs?")
    return filing


def page_of(user, filing) -> str:
    return factories.web_client(user).get(f"/filings/{filing.reference}/").content.decode()


def test_the_page_offers_one_open_reply_form_and_labels_the_message_box(requested, applicant):
    page = page_of(applicant, requested)
    reply = page.split('id="reply"')[1].split("</section>")[0]
    assert "Send your reply" in reply and "Which hospitals receive the drugs?" in reply
    assert "<details" not in reply and 'type="file"' in reply and "multiple" in reply
    assert page.count('data-action="respond"') == 1
    assert "Message (does not answer the information request)" in page


def test_a_plain_message_does_not_answer_the_request_but_the_reply_does(requested, applicant):
    client = factories.web_client(applicant)
    client.post(f"/filings/{requested.reference}/messages/", {"body": "We will answer tomorrow."})
    requested.refresh_from_db()
    assert requested.status == "information_requested"
    client.post(
        f"/filings/{requested.reference}/actions/respond/",
        {"respond-version": requested.version, "respond-note": "Sanatoria No. 3 and No. 7."},
    )
    requested.refresh_from_db()
    assert requested.status == "in_review"
    assert "Message (does not answer" not in page_of(applicant, requested)


def test_a_message_emails_the_other_side_as_their_settings_allow(requested, org, applicant, reviewer_ofac):
    quiet = factories.applicant_of(org)
    Profile.objects.create(user=quiet, wants_event_emails=False)
    mail.outbox.clear()
    question = services.post_message(requested, reviewer_ofac, "Is the cold chain ready?")
    notifications.send_message_notices(question.pk)
    assert {tuple(m.to) for m in mail.outbox} == {(applicant.email,)}
    [email] = mail.outbox
    assert "Is the cold chain ready?" in email.body and requested.reference in email.subject

    mail.outbox.clear()
    answer = services.post_message(requested, applicant, "Yes, since March.")
    notifications.send_message_notices(answer.pk)
    assert [m.to for m in mail.outbox] == [[reviewer_ofac.email]]  # the assigned reviewer; not the author
    assert "not the reply to the information request" in mail.outbox[0].body
    notifications.send_message_notices(answer.pk)
    assert len(mail.outbox) == 1  # once only


def test_the_sweep_sends_the_emails_of_a_message_whose_task_never_ran(requested, applicant, reviewer_ofac):
    message = services.post_message(requested, applicant, "The statement is on its way.")
    mail.outbox.clear()
    notifications.sweep(timezone.now())
    assert OutgoingEmail.objects.filter(family=OutgoingEmail.Family.MESSAGE, message=message).count() == 1
    assert [m.to for m in mail.outbox if "statement is on its way" in m.body] == [[reviewer_ofac.email]]


def test_the_request_and_the_reply_are_told_by_their_event_not_twice(requested, applicant):
    assert not Message.objects.filter(filing=requested, notified_at=None).exists()


def test_a_message_reads_as_new_in_the_queue_until_the_reviewer_opens_the_case(requested, applicant, reviewer_ofac):
    reviewer = factories.web_client(reviewer_ofac)
    reviewer.get(f"/filings/{requested.reference}/")
    assert "New message" not in reviewer.get("/review/").content.decode()
    services.post_message(requested, applicant, "A question about the form.")
    queue = reviewer.get("/review/").content.decode()
    assert "New message" in queue.split(f">{requested.reference}</a>")[1].split("</tr>")[0]
    page = reviewer.get(f"/filings/{requested.reference}/").content.decode()
    assert "msg-new" in page
    assert "New message" not in reviewer.get("/review/").content.decode()
    assert "msg-new" not in reviewer.get(f"/filings/{requested.reference}/").content.decode()


def test_the_request_reads_as_new_on_the_applicants_home_until_opened(requested, applicant):
    home = factories.web_client(applicant)
    assert "New message" in home.get("/").content.decode()
    home.get(f"/filings/{requested.reference}/")
    assert "New message" not in home.get("/").content.decode()


def test_the_api_says_what_is_unread_until_the_messages_are_listed(requested, applicant, reviewer_ofac):
    api = factories.api_client(applicant)
    assert api.get(f"/api/v1/filings/{requested.reference}/").json()["unread_messages"] is True
    api.get(f"/api/v1/filings/{requested.reference}/messages/")
    assert api.get(f"/api/v1/filings/{requested.reference}/").json()["unread_messages"] is False
    own = factories.api_client(reviewer_ofac)
    assert own.get(f"/api/v1/filings/{requested.reference}/").json()["unread_messages"] is False  # its own request
