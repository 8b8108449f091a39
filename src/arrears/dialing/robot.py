"""Robot, and robot-then-human: a robot caller works the list and hands willing customers over.

Robot lines dial (one dial per free line: the robot is always there when someone answers, so a
robot call is never abandoned). A live answer talks with the robot (lognormal talk time); in a
share `intent` of those conversations the customer wants, or qualifies for, a person (a
promise to negotiate, a dispute, a hardship story). The robot then hands the call over — only
to a free agent: it bridges the call (`Telephony.bridge`) to the longest-idle free agent, and
when none is free it keeps the customer on the line, talking, for up to `hold_s` seconds, taking
the first agent who becomes free. If none does, the robot books a callback and ends the call:
no customer is ever left on a line with nobody there. With `intent = 0` (or no agents) this is
the plain robot mode.

The floor is the simulator's (`sim`), with the robot's line in front of the agents; agents
log in and out by the scenario's profile, and a leaving agent takes no hand-over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from arrears.dialing.leads import Leads
from arrears.dialing.pacing import Progressive
from arrears.dialing.scenario import HOUR_S, Scenario
from arrears.dialing.sim import _PATIENCE, Journal, SimResult, _Floor

_ROBOT_END = 100  # an event kind of its own, after the floor's


@dataclass(frozen=True)
class RobotSettings:
    lines: int  # robot lines: calls the robot can hold at once
    intent: float = 0.3  # share of robot conversations that want a person
    talk_mean_s: float = 45.0
    talk_cv: float = 0.5
    hold_s: float = 20.0  # how long the robot keeps a willing customer while no agent is free
    pace: bool = False  # dial only as many lines as the agents can take the hand-overs of

    def __post_init__(self) -> None:
        if not (isinstance(self.lines, int) and self.lines >= 1):
            raise ValueError(f"lines must be an int >= 1, got {self.lines!r}")
        if not 0.0 <= self.intent <= 1.0:
            raise ValueError(f"intent must be in [0, 1], got {self.intent!r}")
        if not (self.talk_mean_s > 0 and self.talk_cv >= 0 and self.hold_s >= 0):
            raise ValueError("talk_mean_s > 0, talk_cv >= 0 and hold_s >= 0 are required")


@dataclass(frozen=True)
class RobotResult:
    """The shift's counts: the floor's (`connected`: calls handed to an agent; `occupancy`:
    the agents'), and the robot's own."""

    floor: SimResult
    conversations: int  # live answers the robot talked with
    wanted_person: int  # of which wanted a person
    handovers: int  # handed to a free agent
    callbacks: int  # no agent came free within hold_s: a callback was booked
    line_occupancy: float  # robot line time in calls / line time


class _RobotFloor(_Floor):
    def __init__(
        self,
        sc: Scenario,
        robot: RobotSettings,
        rng: np.random.Generator,
        journal: Journal | None,
        leads: Leads | None,
    ) -> None:
        # the pacer is the lines' own (below); Progressive only fills the floor's slot
        super().__init__(sc, Progressive(), rng, journal, leads)
        self.reserves = False  # dials hold a robot line, not an agent
        self.robot = robot
        self.held_result = "connected"  # a customer on hold was talking with the robot
        self.lines_free = robot.lines
        self.line_s = 0.0  # line-seconds in calls
        self.line_since: dict[int, float] = {}
        self.conversations = self.wanted = self.handovers = self.callbacks = 0
        self.resolved = self.handled = 0  # dials resolved, hand-overs finished
        self.handle_sum = 0.0
        self.started: dict[int, float] = {}  # agent -> start of the hand-over's talk

    def dials_wanted(self) -> int:
        if not self.robot.pace:
            return self.lines_free
        return min(self.lines_free, self.paced())

    def paced(self) -> int:
        """Dials whose expected hand-overs the agents can take: hand-overs expected from the
        dials ringing and the robot's conversations, against the free agents and those likely
        to finish within a robot conversation. The rates are learned as the shift goes."""
        p_live = (self.conversations + 1.0) / (self.resolved + 4.0)
        intent = (self.wanted + 1.0) / (self.conversations + 3.0)
        handle = self.handle_sum / self.handled if self.handled else self.sc.mean_handle_s
        talking = self.robot.lines - self.lines_free - self.in_flight  # incl. holds
        expected = (self.in_flight * p_live + talking) * intent
        staying = sum(1 for agent in self.talking if not self.leaving[agent])
        finishing = min(1.0, self.robot.talk_mean_s / handle) * staying
        room = self.n_free + finishing - expected
        return max(0, math.floor(room / (p_live * intent)))

    def place_dial(self) -> bool:
        if not super().place_dial():
            return False
        self.lines_free -= 1
        self.line_since[self.next_call] = self.now
        return True

    def release_line(self, call: int) -> None:
        self.lines_free += 1
        start = self.line_since.pop(call)
        self.line_s += min(self.now, self.sc.duration_s) - start

    def resolve(self, code: int, call: int) -> None:
        self.resolved += 1
        super().resolve(code, call)
        if call not in self.calls:  # not answered live: settled, the line is free
            self.release_line(call)

    def on_live(self, call: int, agent: int) -> None:
        self.conversations += 1
        talk = self.draws.lognormal(self.robot.talk_mean_s, self.robot.talk_cv)
        self.push(self.now + talk, _ROBOT_END, call)

    def handle(self, kind: int, arg: int) -> None:
        if kind == _ROBOT_END:
            self.robot_end(arg)
        else:
            super().handle(kind, arg)

    def robot_end(self, call: int) -> None:
        if self.draws.uniform() >= self.robot.intent:
            self.switch.hang_up(str(call))
            self.settle(call, "connected")
            self.release_line(call)
            return
        self.wanted += 1
        live = len(self.live_t)
        self.live_t.append(self.now)
        self.live_call.append(call)
        self.lost.append(False)
        agent = self.take_free()
        if agent >= 0:
            self.take_waiting(agent, live)
        else:  # the robot keeps talking while it waits for an agent
            self.waiting.add(live)
            self.queue.append(live)
            self.push(self.now + self.robot.hold_s, _PATIENCE, live)

    def take_waiting(self, agent: int, live: int) -> None:
        call = self.live_call[live]
        self.switch.bridge(str(call), str(agent))
        self.handovers += 1
        self.release_line(call)
        self.log("assign", agent)
        self.connect(agent, call)
        self.started[agent] = self.now

    def finish(self, agent: int) -> None:
        self.handle_sum += self.now - self.started.pop(agent)
        self.handled += 1
        super().finish(agent)

    def abandon(self, live: int) -> None:
        """No agent came free in time: a callback is booked and the robot ends the call."""
        self.lost[live] = True
        self.callbacks += 1
        call = self.live_call[live]
        self.switch.hang_up(str(call))
        self.settle(call, "connected")
        self.release_line(call)

    def close(self) -> None:
        for call in list(self.line_since):
            self.release_line(call)
        super().close()


def simulate_robot(
    scenario: Scenario,
    robot: RobotSettings,
    rng: np.random.Generator,
    *,
    journal: Journal | None = None,
    leads: Leads | None = None,
) -> RobotResult:
    """Run one shift of the robot with hand-over to the scenario's agents."""
    floor = _RobotFloor(scenario, robot, rng, journal, leads)
    result = floor.run(HOUR_S)
    return RobotResult(
        floor=result,
        conversations=floor.conversations,
        wanted_person=floor.wanted,
        handovers=floor.handovers,
        callbacks=floor.callbacks,
        line_occupancy=min(1.0, floor.line_s / (robot.lines * scenario.duration_s)),
    )
