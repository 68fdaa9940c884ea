def test_authorities_list_their_workflow_states_and_transitions(client_for, applicant):
    response = client_for(applicant).get("/api/v1/authorities/")
    assert response.status_code == 200
    by_code = {a["code"]: a for a in response.json()["results"]}
    assert {"UN1718", "OFAC"} <= set(by_code)
    un = by_code["UN1718"]["workflow"]
    assert "no_objection_period" in {state["name"] for state in un["states"]}
    circulate = next(t for t in un["transitions"] if t["name"] == "circulate")
    assert circulate["from"] == ["in_review"] and circulate["to"] == "no_objection_period"
    confirm = next(t for t in un["transitions"] if t["name"] == "confirm_approval")
    assert {"name": "validity_months", "kind": "months", "required": False, "audience": "shared"} in confirm["payload"]
    submits = [(t["to"], t["guard"]) for t in un["transitions"] if t["name"] == "submit"]
    assert submits == [("submitted", "filed_direct"), ("with_forwarder", "filed_through_forwarder")]
    assert un["expedited_deadlines"] == [
        {"kind": "no_objection", "working_days_setting": "expedited_no_objection_working_days"}
    ]
    assert by_code["UN1718"]["expedited_no_objection_working_days"] == 2
    ofac_actions = {t["name"] for t in by_code["OFAC"]["workflow"]["transitions"]}
    assert "return_without_action" in ofac_actions and "circulate" not in ofac_actions
