"""Build large consortia for the scaling benchmark from the deep-sea sample; each passes ``docgen.check``.

``consortium(n)`` keeps the sample's lead unit, head, chief expert, goals, mechanisms and KPIs, and has
``n`` member units: the sample's own members first, then generated ones that copy a sample member of
the same row (so enterprises, universities and institutes stay mixed) under a new name, short name
and credit code (check character from ``stdnum.cn.uscc.calc_check_digit``). Tasks and funding are
rebuilt so that every figure adds up: each unit, the lead included, owns two tasks (a neighbour
takes part), each funded by half of the unit's own cash, which the funding plan spreads over the
first two years of the term.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from stdnum.cn import uscc

import docgen
from docgen.input.model import Consortium

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "deep-sea-sensing.yaml"

# Each generated unit commits this much cash (元), split evenly over its two tasks.
CASH = Decimal(2_000_000)


def credit_code(index: int) -> str:
    """Return a valid 18-character credit code, distinct for each index (Qingdao Laoshan, type 91)."""
    body = f"91370212MB{index:07d}"
    return body + uscc.calc_check_digit(body)


@lru_cache(maxsize=1)
def _sample() -> dict[str, Any]:
    return docgen.load(SAMPLE).model_dump(mode="json")


def consortium_data(members: int) -> dict[str, Any]:
    """Return the input data (as loaded from YAML) of a consortium with this many member units."""
    data = copy.deepcopy(_sample())
    originals = data["members"]
    units = []
    for i in range(members):
        if i < len(originals):
            unit = copy.deepcopy(originals[i])
        else:
            unit = copy.deepcopy(originals[i % len(originals)])
            number = i + 1
            suffix = "研究院" if unit["kind"] != "企业" else "科技有限公司"
            unit["name"] = f"青岛深海测试第{number:03d}号{suffix}"
            unit["short_name"] = f"测试{number:03d}"
            unit["credit_code"] = credit_code(number)
            unit["contact"]["email"] = f"contact{number:03d}@example.cn"
        unit["resources"]["cash"] = str(CASH)
        units.append(unit)
    data["members"] = units
    data["lead"]["resources"]["cash"] = str(CASH)

    start = dt.date.fromisoformat(data["term_start"])
    end = dt.date.fromisoformat(data["term_end"])
    everyone = [data["lead"], *units]
    tasks, funding = [], []
    for index, unit in enumerate(everyone):
        neighbour = everyone[(index + 1) % len(everyone)]["credit_code"]
        for part in (1, 2):
            tasks.append({
                "id": f"T{2 * index + part}",
                "title": f"{unit['short_name'] or unit['name']}攻关任务{part}",
                "content": f"{unit['role']}（第{part}部分）",
                "owner": unit["credit_code"],
                "participants": [neighbour],
                "start": start.isoformat(),
                "end": end.isoformat(),
                "deliverables": [f"任务{2 * index + part}研究报告1份", "发明专利申请2件"],
                "budget": [{"source": "自筹资金", "amount": str(CASH / 2)}],
            })
            funding.append({"unit": unit["credit_code"], "source": "自筹资金", "year": start.year + part - 1,
                            "amount": str(CASH / 2)})
    data["tasks"] = tasks
    data["funding"] = funding
    return data


def consortium(members: int) -> Consortium:
    """Return the parsed consortium with this many member units; raise if ``docgen.check`` finds an error."""
    result = docgen.parse(consortium_data(members))
    errors = [f for f in docgen.check(result) if f.severity == "error"]
    if errors:
        raise ValueError(f"generated consortium of {members} members fails the check: {errors}")
    return result
