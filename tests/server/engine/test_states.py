import pytest
from hallq.server.engine import Action, QueueError, TicketStatus, allowed_actions, next_status

S = TicketStatus


@pytest.mark.parametrize(("status", "action", "expected"), [
    (S.WAITING, Action.CALL, S.CALLED),
    (S.CALLED, Action.RECALL, S.CALLED),
    (S.CALLED, Action.START, S.SERVING),
    (S.SERVING, Action.FINISH, S.DONE),
    (S.CALLED, Action.FINISH, S.DONE),
    (S.CALLED, Action.NO_SHOW, S.NO_SHOW),
    (S.NO_SHOW, Action.REACTIVATE, S.WAITING),
    (S.SERVING, Action.HOLD, S.HELD),
    (S.HELD, Action.RESUME, S.CALLED),
    (S.SERVING, Action.TRANSFER, S.WAITING),
    (S.WAITING, Action.CANCEL, S.CANCELLED),
    (S.HELD, Action.EXPIRE, S.EXPIRED),
])
def test_allowed_transitions(status, action, expected):
    assert next_status(status, action) is expected


@pytest.mark.parametrize(("status", "action"), [
    (S.WAITING, Action.FINISH),
    (S.WAITING, Action.START),
    (S.DONE, Action.CALL),
    (S.DONE, Action.TRANSFER),
    (S.CANCELLED, Action.REACTIVATE),
    (S.SERVING, Action.NO_SHOW),
    (S.SERVING, Action.CANCEL),
    (S.EXPIRED, Action.CALL),
])
def test_refused_transitions_name_the_reason(status, action):
    with pytest.raises(QueueError) as err:
        next_status(status, action)
    assert err.value.code == "invalid_transition"
    assert err.value.details == {"action": action.value, "status": status.value}


def test_final_states_allow_nothing():
    for status in (S.DONE, S.CANCELLED, S.EXPIRED):
        assert allowed_actions(status) == []


def test_allowed_actions_of_a_called_ticket():
    assert set(allowed_actions(S.CALLED)) == {Action.RECALL, Action.START, Action.FINISH, Action.NO_SHOW,
                                              Action.HOLD, Action.TRANSFER, Action.EXPIRE}
