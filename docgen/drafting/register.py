"""The party register: each party's designation (甲方, 乙方一 …) for the life of the agreement.

The original agreement numbers its parties in input order: the lead unit 甲方, the members 乙方一, 乙方二 ….
Each supplement then carries the register forward (``advance``): a party keeps its number whatever happens
to it (a replaced lead stays 甲方 as a member, its successor keeps its 乙方 number), a leaver's number is
retired and never given again, and each joiner takes the next unused number in input order. Every change
run records the register it ends with in its manifest (``as_json``), so the next supplement reads it back
(``from_json``) instead of numbering the parties of its own old version again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from docgen.drafting.agreement import designation
from docgen.errors import OutputError, TemplateError
from docgen.input.model import Consortium

__all__ = ["PartyRegister", "RegisteredParty", "advance", "original_register", "register_of"]


@dataclass(frozen=True)
class RegisteredParty:
    """One party of the agreement, present or past."""

    credit_code: str
    number: int              # 0 → 甲方, n → 乙方n
    name: str                # its name when last a party
    joined: int = 0          # 0: an original party; n: joined by supplement No. n
    left: int | None = None  # None: still a party; n: left by supplement No. n

    @property
    def designation(self) -> str:
        """Return 甲方 for 0, 乙方三 for 3."""
        return designation(self.number)


@dataclass(frozen=True)
class PartyRegister:
    """Every party the agreement has had, by number; ``serial`` is the last supplement it reflects."""

    parties: tuple[RegisteredParty, ...]
    serial: int = 0

    def get(self, credit_code: str) -> RegisteredParty | None:
        """Return the party with this credit code (the latest entry if it left and joined again)."""
        found = [p for p in self.parties if p.credit_code == credit_code]
        return found[-1] if found else None

    def number(self, credit_code: str) -> int:
        """Return the party's number; raise TemplateError for a unit that is not a current party."""
        party = self.get(credit_code)
        if party is None or party.left is not None:
            raise TemplateError(f"统一社会信用代码 {credit_code} 不是当事人登记中的现有当事人，无法称呼")
        return party.number

    def designation(self, credit_code: str) -> str:
        """Return the current party's designation (乙方五); TemplateError for any other unit."""
        return designation(self.number(credit_code))

    @property
    def current(self) -> tuple[RegisteredParty, ...]:
        return tuple(p for p in self.parties if p.left is None)

    @property
    def retired(self) -> tuple[RegisteredParty, ...]:
        return tuple(p for p in self.parties if p.left is not None)

    @property
    def original_members(self) -> int:
        """Return how many members (乙方) signed the original agreement."""
        return sum(1 for p in self.parties if p.joined == 0 and p.number > 0)

    def covers(self, c: Consortium) -> bool:
        """Return whether every unit of c is a current party and no current party is missing from c."""
        return {u.credit_code for u in c.units} == {p.credit_code for p in self.current}

    def retreat(self) -> PartyRegister:
        """Return the register before its last supplement (what ``advance`` started from): its joiners
        gone, its leavers parties again. ``docgen verify`` drafts a recorded change again from it."""
        return PartyRegister(tuple(replace(p, left=None) if p.left == self.serial else p
                                   for p in self.parties if p.joined != self.serial or self.serial == 0),
                             max(self.serial - 1, 0))

    def as_json(self) -> dict[str, Any]:
        """Return the register as the manifest records it."""
        return {"serial": self.serial, "parties": [
            {"credit_code": p.credit_code, "designation": p.designation, "number": p.number, "name": p.name,
             "joined": p.joined, "left": p.left} for p in self.parties]}

    @classmethod
    def from_json(cls, data: object, source: Path) -> PartyRegister:
        """Return the register the manifest at source recorded; raise OutputError naming what is wrong."""
        if not isinstance(data, dict) or not isinstance(data.get("parties"), list) or not _whole(data.get("serial")):
            raise OutputError(source, "当事人登记（parties）无效：应有非负整数 serial 和列表 parties")
        parties = []
        for index, entry in enumerate(data["parties"]):
            if (not isinstance(entry, dict) or not isinstance(entry.get("credit_code"), str)
                    or not isinstance(entry.get("name"), str) or not _whole(entry.get("number"))
                    or not _whole(entry.get("joined")) or not (entry.get("left") is None or _whole(entry.get("left")))):
                raise OutputError(source, f"当事人登记（parties）无效：parties[{index}] 缺少或写错 credit_code、name、"
                                          "number、joined、left")
            parties.append(RegisteredParty(entry["credit_code"], entry["number"], entry["name"], entry["joined"],
                                           entry["left"]))
        numbers = [p.number for p in parties]
        current = [p.credit_code for p in parties if p.left is None]
        if len(set(numbers)) != len(numbers) or len(set(current)) != len(current):
            raise OutputError(source, "当事人登记（parties）无效：称谓序号重复，或同一单位登记为两个现有当事人")
        return cls(tuple(parties), data["serial"])


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def original_register(c: Consortium, serial: int = 0) -> PartyRegister:
    """Return the register that numbers c's parties in input order, the lead unit 甲方: the original
    agreement's (serial 0), or a stand-in when the supplements before No. serial + 1 are unknown."""
    return PartyRegister(tuple(RegisteredParty(u.credit_code, i, u.name) for i, u in enumerate(c.units)), serial)


def advance(register: PartyRegister, new: Consortium, serial: int) -> PartyRegister:
    """Return the register after supplement No. serial, whose agreement as amended is new.

    A current party missing from new leaves (its number retired); a unit of new that is not a current
    party joins with the next unused number, in input order; every other party keeps its number and
    takes its name in new.
    """
    units = {u.credit_code: u for u in new.units}
    out = [p if p.left is not None else
           replace(p, name=units[p.credit_code].name) if p.credit_code in units else replace(p, left=serial)
           for p in register.parties]
    present = {p.credit_code for p in out if p.left is None}
    following = max((p.number for p in register.parties), default=-1) + 1
    for unit in new.units:
        if unit.credit_code not in present:
            out.append(RegisteredParty(unit.credit_code, following, unit.name, joined=serial))
            following += 1
    return PartyRegister(tuple(out), serial)


def register_of(original: Consortium, *amended: Consortium) -> PartyRegister:
    """Return the register after a series: the original version, then each version as amended by
    supplement No. 1, 2, … in order."""
    register = original_register(original)
    for serial, version in enumerate(amended, start=1):
        register = advance(register, version, serial)
    return register
