"""What a person is told once an action of theirs is recorded: one plain sentence per action, saying what happened
(never a state's name). The next step and its date are added by the face that shows it, from the target state."""

from .declarations import Transition

DONE = {
    "submit": "Your request is filed with the authority.",
    "take": "You took the case; it is assigned to you for review.",
    "assign": "The reviewer is assigned and can start.",
    "request_information": "Your questions were sent to the applicant; the review clock stops until they reply.",
    "respond": "Your answer was sent to the authority, and the review goes on.",
    "approve": "The approval is recorded and the applicant is notified.",
    "deny": "The denial is recorded and the applicant is notified with your reasons.",
    "withdraw": "Your request is withdrawn. You can file a new request from the dossier later.",
    "request_extension": "Your extension request was sent to the authority. The approval stays valid meanwhile.",
    "approve_extension": "The extension is granted and the applicant is notified.",
    "deny_extension": "The extension is refused; the approval keeps its current end date. The applicant is notified.",
    "file_report": "Your delivery report is filed and the case is complete.",
    "consult": "Interagency consultation has started; the case stays with you.",
    "conclude_consultation": "The consultation is over; the case is back in your review.",
    "return_without_action": "The request is returned to the applicant with your reasons.",
    "record_transmission": "The transmission is recorded; the Committee's clock runs from that date.",
    "return_incomplete": "The request is returned as incomplete, with your reasons; the applicant may file anew.",
    "circulate": "The request went to the Committee; members now have their no-objection period.",
    "relay_member_questions": "The member's questions were sent to the applicant; the hold stands until they answer.",
    "answer_member_questions": "Your answer was sent to the Secretariat, who passes it to the member.",
    "pass_answer_to_member": "The answer went to the member; the hold stands until they lift it.",
    "record_objection": "The objection is recorded and the applicant is notified; the request is not approved.",
    "place_hold": "The member's hold is recorded; the no-objection period is paused until it is lifted.",
    "release_hold": "The hold is lifted and the no-objection period runs again.",
    "confirm_approval": "The approval is confirmed and the applicant is notified.",
    "dispose_screening_hit": "Your verdict on the screening hit is recorded.",
    "record_case_number": "The case number is recorded; the applicant reads it beside the request.",
}


def done_sentence(transition: Transition) -> str:
    """The sentence for `transition`, or a plain one built from its label for an action not worded here yet."""
    return DONE.get(transition.name) or f"Recorded: {transition.label[:1].lower()}{transition.label[1:]}."
