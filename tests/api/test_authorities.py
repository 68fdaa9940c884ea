def test_authorities_list_their_workflow_states_and_transitions(client_for, applicant):
    response = client_for(applicant).get("/api/v1/authorities/")
    assert response.status_code == 200
    by_code = {a["code"]: a for a in response.json()["results"]}
    assert {"UN1718", "OFAC"} <= set(by_code)
    un = by_code["UN1718"]["workflow"]
    assert "no_objection_period" in {state["name"] for state in un["states"]}
    recommend = next(t for t in un["transitions"] if t["name"] == "recommend")
    assert recommend["from"] == ["in_review"] and recommend["to"] == "no_objection_period"
    assert {"name": "valid_until_on", "kind": "date", "required": True, "audience": "shared"} in recommend["payload"]
    ofac_actions = {t["name"] for t in by_code["OFAC"]["workflow"]["transitions"]}
    assert "return_without_action" in ofac_actions and "recommend" not in ofac_actions
