"""The demo's actions: created on the demo units by the demo users, once."""

from django.core.management import call_command

from actions.demo import demo_actions_create
from actions.models import Action, ActionStatus
from actions.selectors import UP, action_views


def test_demo_actions_are_created_once_with_their_figures(demo, capsys):
    assert demo_actions_create() == (3, 0)
    call_command("load_demo_actions")
    assert "Demo actions: 0 created, 3 already there." in capsys.readouterr().out
    views = {v.action.unit.name: v for v in action_views(Action.objects.all())}
    assert len(views) == 3 and {"Tân Bình", "An Bình"} < set(views)
    tan_binh = views["Tân Bình"]
    assert tan_binh.action.status == ActionStatus.DONE
    assert tan_binh.now_snapshot.as_of.isoformat() == "2025-05-20"
    assert tan_binh.moved == UP  # TDGQ 19,12 → 19,16
