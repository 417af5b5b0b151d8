"""RAM policy evaluation: does a set of policy documents allow an action?

Used by the sandbox to authorize requests and by the doctor to tell which actions a
caller's own policies leave out. Imports nothing else from armstui.

Rules, from RAM's documentation ("Policy elements", "Policy evaluation"): an explicit
Deny wins over any Allow; actions are ``service:Action`` with ``*`` (any run of characters)
and ``?`` (one character) wildcards, compared case-insensitively; nothing else is special.
Resources are compared case-insensitively here (UNCONFIRMED; RAM's own ARNs are lower-case
for roles).

Conditions: a Condition block holds operators, each operator keys, each key a value or a
list; the block holds when every operator and every key holds, a key when any value
matches. Evaluated are the operators StringEquals, StringNotEquals, StringEqualsIgnoreCase,
StringNotEqualsIgnoreCase, StringLike, StringNotLike and Bool on the one key known here,
``sts:ExternalId`` (trust policies, AssumeRole's ExternalId); a known key absent from the
request never holds. Anything else (RAM's other operators, keys like acs:SourceIp or
acs:CurrentTime) fails closed: such an Allow grants nothing, and such a Deny denies, saying
why.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


@functools.lru_cache(maxsize=1024)
def _pattern(glob: str, *, ignore_case: bool = True) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile("".join(parts), (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def matches(patterns: list[str], value: str) -> bool:
    """Does ``value`` fit any of the RAM wildcard ``patterns`` (``*``, ``?``; case-insensitive)?"""
    return any(_pattern(p).fullmatch(value) for p in patterns)


def _like(wanted: list[str], actual: str) -> bool:
    return any(_pattern(w, ignore_case=False).fullmatch(actual) for w in wanted)


_CONDITION_OPERATORS: dict[str, Callable[[list[str], str], bool]] = {
    "StringEquals": lambda wanted, actual: actual in wanted,
    "StringNotEquals": lambda wanted, actual: actual not in wanted,
    "StringEqualsIgnoreCase": lambda wanted, actual: actual.lower() in {w.lower() for w in wanted},
    "StringNotEqualsIgnoreCase": lambda wanted, actual: (
        actual.lower() not in {w.lower() for w in wanted}
    ),
    "StringLike": _like,
    "StringNotLike": lambda wanted, actual: not _like(wanted, actual),
    "Bool": lambda wanted, actual: actual.lower() in {w.lower() for w in wanted},
}
# Every operator RAM's policy grammar has ("Policy elements"); the sandbox evaluates a subset.
RAM_CONDITION_OPERATORS = frozenset(
    {
        *_CONDITION_OPERATORS,
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "IpAddress",
        "NotIpAddress",
    }
)
EVALUATED_CONDITION_KEYS = frozenset({"sts:externalid"})


def condition_problem(condition: Any) -> str | None:
    """Why a statement's Condition is malformed (as RAM's CreatePolicy would refuse it), or
    None when it is well formed (or absent)."""
    if condition is None:
        return None
    if not isinstance(condition, dict):
        return "a Condition must be an object of operators"
    for operator, keys in condition.items():
        if operator not in RAM_CONDITION_OPERATORS:
            return f"the Condition operator {operator!r} is not one RAM knows"
        if not isinstance(keys, dict) or not keys:
            return f"the Condition operator {operator} must map condition keys to values"
        for key, wanted in keys.items():
            values = wanted if isinstance(wanted, list) else [wanted]
            if not values or not all(
                isinstance(v, (str, int, float, bool)) and v is not None for v in values
            ):
                return (
                    f"the Condition key {key!r} under {operator} needs a value or a list of values"
                )
    return None


class Unevaluable(str):
    """Why a Condition could not be evaluated (it neither holds nor fails)."""


def condition_outcome(condition: Any, context: dict[str, str]) -> bool | Unevaluable:
    """True or False, or why the sandbox cannot tell (see the module notes)."""
    if not condition:
        return True
    problem = condition_problem(condition)
    if problem:
        return Unevaluable(problem)
    result = True
    for operator, keys in condition.items():
        test = _CONDITION_OPERATORS.get(operator)
        if test is None:
            return Unevaluable(f"the sandbox does not evaluate the operator {operator}")
        for key, wanted in keys.items():
            if str(key).lower() not in EVALUATED_CONDITION_KEYS:
                return Unevaluable(f"the sandbox does not evaluate the condition key {key}")
            actual = next((v for k, v in context.items() if k.lower() == str(key).lower()), None)
            if actual is None or not test(as_list(wanted), actual):
                result = False
    return result


def condition_holds(condition: Any, context: dict[str, str]) -> bool:
    """Does a statement's Condition block hold for the request? Unevaluable ones do not."""
    return condition_outcome(condition, context) is True


def decide(
    documents: list[dict[str, Any]],
    action: str,
    resource: str = "*",
    context: dict[str, str] | None = None,
) -> tuple[str, str]:
    """``("Allow" | "Deny" | "ImplicitDeny", why)``; ``why`` is empty unless a Deny holds
    because its Condition could not be evaluated (it fails closed)."""
    allowed = False
    for doc in documents:
        for statement in as_list_of_dicts(doc.get("Statement")):
            if not matches(as_list(statement.get("Action")), action):
                continue
            if resource != "*" and not matches(
                as_list(statement.get("Resource")) or ["*"], resource
            ):
                continue
            holds = condition_outcome(statement.get("Condition"), context or {})
            if statement.get("Effect") == "Deny":
                if isinstance(holds, Unevaluable):
                    return (
                        "Deny",
                        f"a Deny statement's Condition cannot be evaluated ({holds}), so it denies",
                    )
                if holds:
                    return "Deny", ""
            elif statement.get("Effect") == "Allow" and holds is True:
                allowed = True
    return ("Allow" if allowed else "ImplicitDeny"), ""


def evaluate(
    documents: list[dict[str, Any]],
    action: str,
    resource: str = "*",
    context: dict[str, str] | None = None,
) -> str:
    """``"Allow"``, ``"Deny"`` (explicit) or ``"ImplicitDeny"``.

    ``resource`` "*" means the operation names no resource, so a statement's Resource does
    not narrow it (the operation's own permission check is all there is)."""
    return decide(documents, action, resource, context)[0]


def as_list_of_dicts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [s for s in (value or []) if isinstance(s, dict)]
