"""Clinic routing policy: which rule escalates to which disposition, model thresholds, critical
values, freshness limits and re-check intervals.

A clinic policy is a TOML file merged over the built-in ``policy_default.toml``: a clinic writes
only what it changes. Validation refuses anything unsafe or unknown and names the file and key:
unknown rules or keys, a model allowed above ``models.max_level``, a ``max_level`` above
``urgent_referral``, thresholds outside 0-1, a level that is no disposition, NaN or infinite
numbers. A red flag is never lowered (a clinic may escalate): refused, with the file's line, are a
red-flag rule switched off or set below its default level, and what would silence one or delay its
action - a critical low glucose below level 2 hypoglycaemia (3.0 mmol/L) or a critical high above
the built-in 22.2 mmol/L, a freshness limit under 1 hour (a reading of the visit ignored as stale;
at most 100 years), a re-check of an emergency transfer, urgent referral or insufficient data later
than the built-in one, and a rule's re-check later than its action says (level-1 hypoglycaemia's 15
minutes). Re-check intervals are whole minutes (a TOML integer), a routine referral's at most 14
days and local care's (and any rule's) at most 90 days.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from triage.assessment import LEVEL_RANK, Disposition
from triage.errors import ConfigError, json_text, shown_input
from triage.policy_lines import line_of as _line_of
from triage.rules import RULES, RULES_BY_NAME, Rule
from triage.tomlfile import key_message, read_toml_file
from triage.vocabulary import CONCEPTS

DEFAULT_POLICY_FILE = "policy_default.toml"
Level = Disposition | Literal["off"]


# every number in a policy is finite: NaN compares false with everything (a NaN threshold or
# freshness limit would silently switch a check off) and inf overflows a time limit
_FINITE = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
# the longest freshness limit, 100 years in hours: a timedelta holds at most 999,999,999 days
MAX_FRESHNESS_HOURS = 876_600.0
# the shortest: readings of this visit count - NEWS2's most frequent routine monitoring is hourly
# (RCP 2017, Chart 4); a shorter limit let a policy ignore an SpO2 of 85 % taken 10 minutes before
MIN_FRESHNESS_HOURS = 1.0
# the most a reading's time may be ahead of the assessment's and still be used: clocks a few minutes
# apart, not a device clock set a day (or a time zone) wrong - such a reading counts as the latest
# and supersedes every reading taken since, until the clock passes it (1440 was allowed)
MAX_FUTURE_TOLERANCE_MINUTES = 60.0
_LEVELS = (*(d.value for d in Disposition), "off")


class _Strict(BaseModel):
    model_config = _FINITE


def _toml_number(value: Any) -> Any:
    """A number in a policy is a TOML number: ``"3.5"`` (quoted) was read as 3.5 and ``true`` as 1
    (``[freshness.hours] sbp = true``: a limit of 1 hour) without a word."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise ValueError("must be a number (a TOML number such as 3.5, without quotes)")


def _toml_boolean(value: Any) -> Any:
    """A yes/no in a policy is a TOML boolean: ``enabled = "false"`` or ``0`` switched a model off."""
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false (a TOML boolean, without quotes)")


Number = Annotated[float, BeforeValidator(_toml_number)]
# no lower bound here: _check_semantics refuses under MIN_FRESHNESS_HOURS and names the range allowed
# (a "greater than 0" said first sent 0.5 back to be refused again)
Hours = Annotated[float, BeforeValidator(_toml_number), Field(le=MAX_FRESHNESS_HOURS)]


def _whole_minutes(value: Any) -> Any:
    """A re-check interval is a TOML integer: ``"60"`` (quoted), ``60.0`` or ``true`` was taken as
    60, 60 and 1 minutes without a word, so a typo in the type changed what the clinic asked for."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ValueError(
        "must be a whole number of minutes (a TOML integer such as 60, without quotes or a decimal point)"
    )


Minutes = Annotated[int, BeforeValidator(_whole_minutes)]
# The latest the lower dispositions may be re-assessed (minutes). A routine referral is followed up
# within 2 weeks, a patient in local care at least quarterly: the national basic public health
# service specification (国家基本公共卫生服务规范, 3rd edition, hypertension and type 2 diabetes
# management) asks for a referral to be followed up within 2 weeks and for at least 4 face-to-face
# follow-ups a year. Unbounded, 10**30 minutes was taken and a typo (days typed as minutes x 1440)
# put a patient's next check years away. The three urgent dispositions are bounded by the built-in
# policy's own intervals (_RECHECK_NOT_LATER).
RECHECK_AT_MOST = {Disposition.routine_referral: 20_160, Disposition.local_care: 129_600}
RECHECK_WHY = {
    Disposition.routine_referral: "14 days: a referral is followed up within 2 weeks",
    Disposition.local_care: "90 days: at least 4 follow-ups a year",
}
# a rule's own re-check is never later than the latest any disposition may have
RULE_RECHECK_AT_MOST = max(RECHECK_AT_MOST.values())


# ADA level 2 hypoglycaemia, clinically significant: below it glucose_critical_low (a red flag) must
# fire, so a clinic's critical low may be raised (4.0 at most) but not set below it
LEVEL_2_HYPOGLYCAEMIA_MMOL_L = 3.0
# the built-in critical high (400 mg/dL; risk.md 2.7): above it glucose_critical_high refers urgently,
# and a clinic's lab convention (25, 26.9) would leave 22.3-25 mmol/L to local care ("confirm")
BUILTIN_CRITICAL_HIGH_MMOL_L = 22.2


class GlucosePolicy(_Strict):
    # the red-flag side of each is _check_semantics' (3.0 at least, 22.2 at most), which names the
    # range allowed; a wider bound here ("greater than 0", "at most 40") was said first
    critical_low_mmol_l: Number = Field(3.0, le=4.0)
    critical_high_mmol_l: Number = Field(22.2, ge=11.1)


class DecisivePolicy(_Strict):
    codes: tuple[str, ...]


class FreshnessPolicy(_Strict):
    default_hours: Hours
    future_tolerance_minutes: Number = Field(5, ge=0)
    hours: dict[str, Hours] = Field(default_factory=dict)

    def max_age_hours(self, code: str) -> float:
        return self.hours.get(code, self.default_hours)


class RulePolicy(_Strict):
    level: Level | None = None
    recheck_minutes: Minutes | None = Field(None, ge=0)

    @field_validator("level", mode="before")
    @classmethod
    def _known_level(cls, value: Any) -> Any:
        """One message naming the levels there are (the ``Disposition | "off"`` union would give
        two, one per branch)."""
        if value is None or (isinstance(value, str) and value in _LEVELS):
            return value
        raise ValueError(f"not a disposition; use one of: {', '.join(_LEVELS)}")


class ModelPolicy(_Strict):
    threshold: Number | None = Field(None, gt=0, lt=1)
    level: Disposition | None = None
    enabled: Annotated[bool, BeforeValidator(_toml_boolean)] = True


_DEFAULT_MODEL_POLICY = ModelPolicy()


class ModelsPolicy(_Strict):
    """``[models]``: ``max_level``, ``default_level`` and one ``[models.<name>]`` table per model."""

    max_level: Disposition = Disposition.routine_referral
    default_level: Disposition = Disposition.routine_referral
    each: dict[str, ModelPolicy] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect(cls, data: Any) -> Any:
        if isinstance(data, dict) and "each" not in data:
            fixed = {k: v for k, v in data.items() if k in ("max_level", "default_level")}
            fixed["each"] = {k: v for k, v in data.items() if k not in ("max_level", "default_level")}
            return fixed
        return data

    def per_model(self) -> dict[str, ModelPolicy]:
        return self.each

    def for_model(self, name: str) -> ModelPolicy:
        return self.each.get(name) or _DEFAULT_MODEL_POLICY

    def level_for(self, name: str) -> Disposition:
        return self.level_of(self.for_model(name))

    def level_of(self, setting: ModelPolicy) -> Disposition:
        """The level a model with ``setting`` asks for: its own, else the default, capped at max_level."""
        wanted = setting.level or self.default_level
        return wanted if LEVEL_RANK[wanted] <= LEVEL_RANK[self.max_level] else self.max_level


@dataclass(frozen=True, slots=True)
class ModelRuntime:
    """One model's policy, resolved: switched on?, threshold override (``None``: the card's), level."""

    enabled: bool
    threshold: float | None
    level: Disposition


@dataclass(frozen=True, slots=True)
class PolicyRuntime:
    active_rules: tuple[tuple[Rule, Disposition, int | None], ...]  # (rule, level, re-check minutes)
    # each active rule's level by name, a rule switched off not in it (``Evidence.levels``)
    levels: Mapping[str, Disposition]
    # each active rule's re-check (minutes): the policy's for the rule, else its own, else its level's
    # (``Evidence.rechecks``: what a rule another leaves a finding to must ask for as soon)
    rechecks: Mapping[str, int]
    max_age: dict[str, timedelta]
    default_age: timedelta
    future_tolerance: timedelta
    models: dict[str, ModelRuntime]  # the models named in the policy
    other_models: ModelRuntime  # every other model

    def model(self, name: str) -> ModelRuntime:
        """``models.for_model(name)`` and ``models.level_for(name)``, resolved once per policy."""
        return self.models.get(name, self.other_models)


class Policy(_Strict):
    """The validated policy in force. Build with :func:`load_policy`."""

    version: str = Field(min_length=1)
    name: str = ""
    source: str = "builtin"
    glucose: GlucosePolicy
    decisive: DecisivePolicy
    freshness: FreshnessPolicy
    recheck_minutes: dict[Disposition, Minutes]
    models: ModelsPolicy
    rules: dict[str, RulePolicy] = Field(default_factory=dict)

    @cached_property
    def runtime(self) -> PolicyRuntime:
        """Look-up tables derived once from this policy (active rules, freshness limits)."""
        active = []
        for rule in RULES:
            level = self.rule_level(rule.name)
            if level is not None:
                active.append((rule, level, self.rule_recheck(rule.name)))

        def resolved(setting: ModelPolicy) -> ModelRuntime:
            return ModelRuntime(setting.enabled, setting.threshold, self.models.level_of(setting))

        return PolicyRuntime(
            active_rules=tuple(active),
            levels=MappingProxyType({rule.name: level for rule, level, _ in active}),
            rechecks=MappingProxyType(
                {
                    rule.name: self.recheck_minutes[level] if recheck is None else recheck
                    for rule, level, recheck in active
                }
            ),
            max_age={code: timedelta(hours=h) for code, h in self.freshness.hours.items()},
            default_age=timedelta(hours=self.freshness.default_hours),
            future_tolerance=timedelta(minutes=self.freshness.future_tolerance_minutes),
            models={name: resolved(setting) for name, setting in self.models.each.items()},
            other_models=resolved(_DEFAULT_MODEL_POLICY),
        )

    def rule_level(self, name: str) -> Disposition | None:
        """The level rule ``name`` escalates to under this policy (``None`` = off)."""
        setting = self.rules.get(name)
        if setting is not None and setting.level is not None:
            return None if setting.level == "off" else Disposition(setting.level)
        return RULES_BY_NAME[name].default

    def rule_recheck(self, name: str) -> int | None:
        setting = self.rules.get(name)
        if setting is not None and setting.recheck_minutes is not None:
            return setting.recheck_minutes
        return RULES_BY_NAME[name].recheck_minutes


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _builtin() -> dict[str, Any]:
    text = resources.files("triage").joinpath(DEFAULT_POLICY_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def builtin_model_tables() -> frozenset[str]:
    """The models the built-in policy gives a ``[models.<name>]`` table (``ckd``, ``diabetes``):
    not a clinic's tables, so a models folder without one of them is no error."""
    return frozenset(ModelsPolicy.model_validate(_builtin()["models"]).per_model())


def red_flag_floor(rule: Rule) -> Disposition:
    """The lowest level a clinic policy may give red-flag ``rule``: its default level. The product's
    safety invariant is that a red flag is never lowered - an emergency rule (``news2_emergency``,
    ``hypertensive_emergency``, ``bp_adolescent_severe`` ...) set to ``urgent_referral`` would send
    the patient it fires for by a slower route - while a clinic may escalate it. The rule's
    ``minimum`` stays a floor too (it is never above the default)."""
    floors = [level for level in (rule.default, rule.minimum) if level is not None]
    return max(floors, key=LEVEL_RANK.__getitem__)


def _levels_from(floor: Disposition) -> str:
    """The levels at or above ``floor``, most urgent first, as a policy file writes them."""
    kept = sorted(LEVEL_RANK, key=LEVEL_RANK.__getitem__, reverse=True)
    return ", ".join(json_text(d.value) for d in kept if LEVEL_RANK[d] >= LEVEL_RANK[floor])


def _red_flag_problem(rule: Rule, level: str) -> str | None:
    """Why ``level`` is refused for red-flag ``rule`` (``None``: it is allowed), and what is allowed."""
    floor = red_flag_floor(rule)
    allowed = f"allowed: {_levels_from(floor)} (a red flag may be escalated, never lowered), or no level key"
    if level == "off":
        return f"a red-flag rule cannot be switched off; {allowed}"
    if level == Disposition.insufficient_data or LEVEL_RANK[Disposition(level)] < LEVEL_RANK[floor]:
        return (
            f"{json_text(level)} would lower this red-flag rule below its default"
            f" {json_text(floor.value)}; {allowed}"
        )
    return None


# re-assessed no later than the built-in policy says: an emergency transfer in 15 minutes, an urgent
# referral within the hour, no usable reading now - a policy may shorten these, never lengthen them
# (the patient page shows the interval as what to do: 'Recheck in 30 days' for an emergency)
_RECHECK_NOT_LATER = (
    Disposition.emergency_transfer,
    Disposition.urgent_referral,
    Disposition.insufficient_data,
)


def _later(
    text: str | None,
    key: tuple[str, ...],
    minutes: int,
    most: int,
    why: str = "",
    limit: str = "the built-in",
) -> str:
    """The problem of the re-check interval at ``key`` (of a disposition, or of a rule) set to
    ``minutes``, later than ``most`` (``limit``: the built-in one, or the longest allowed): with the
    line that sets it, and what is allowed."""
    subject = key[1]  # recheck_minutes.<disposition>, rules.<rule>.recheck_minutes
    return (
        f"{_line_of(text, key)}{'.'.join(key)}: {minutes} would re-assess {subject}"
        f" later than {limit} {most} minutes{why}; allowed: {'0 (now)' if most == 0 else f'0 to {most}'}"
        " (sooner is allowed, later never)"
    )


# insufficient_data is the engine's answer when no reading decides, never a level a rule or model asks for
_NOT_ASKED = 'a %s cannot ask for "insufficient_data" (the answer when no reading decides)'


def _check_semantics(policy: Policy, where: str, text: str | None = None) -> None:
    problems: list[str] = []
    for name, setting in policy.rules.items():
        rule = RULES_BY_NAME.get(name)
        if rule is None:
            problems.append(
                f"{_line_of(text, ('rules', name))}rules.{name}: unknown rule; known rules:"
                f" {', '.join(r.name for r in RULES)}"
            )
            continue
        problem = (
            None if not rule.red_flag or setting.level is None else _red_flag_problem(rule, setting.level)
        )
        if problem is not None:
            problems.append(f"{_line_of(text, ('rules', name, 'level'))}rules.{name}.level: {problem}")
            continue
        if setting.level == Disposition.insufficient_data:
            problems.append(
                f"{_line_of(text, ('rules', name, 'level'))}rules.{name}.level: {_NOT_ASKED % 'rule'}"
            )
    models = policy.models
    for key in ("max_level", "default_level"):
        level = getattr(models, key)
        line = _line_of(text, ("models", key))
        if level not in LEVEL_RANK:
            problems.append(f"{line}models.{key}: {_NOT_ASKED % 'model'}")
        elif LEVEL_RANK[level] > LEVEL_RANK[Disposition.urgent_referral]:
            problems.append(
                f'{line}models.{key}: {json_text(level.value)} is not allowed; at most "urgent_referral"'
            )
    for name, m in models.per_model().items():
        line = _line_of(text, ("models", name, "level"))
        if m.level is not None and m.level not in LEVEL_RANK:
            problems.append(f"{line}models.{name}.level: {_NOT_ASKED % 'model'}")
        elif m.level is not None and LEVEL_RANK[m.level] > LEVEL_RANK[models.max_level]:
            problems.append(
                f"{line}models.{name}.level: {json_text(m.level.value)} is above models.max_level"
                f" {json_text(models.max_level.value)}"
            )
    if not policy.decisive.codes:
        builtin_codes = ", ".join(_builtin()["decisive"]["codes"])
        problems.append(
            f"{_line_of(text, ('decisive', 'codes'))}decisive.codes: empty: no reading could ever conclude"
            " local care, so every patient no rule escalates would be insufficient_data; give at least"
            f" one observation code (built-in: {builtin_codes})"
        )
    for code in policy.decisive.codes:
        if code not in CONCEPTS:
            line = _line_of(text, ("decisive", "codes"))
            problems.append(f"{line}decisive.codes: unknown observation code {json_text(code)}")
    for code in policy.freshness.hours:
        if code not in CONCEPTS:
            line = _line_of(text, ("freshness", "hours", code))
            problems.append(f"{line}freshness.hours.{code}: unknown observation code {json_text(code)}")
    problems += [
        f"{_line_of(text, ('recheck_minutes', d.value))}recheck_minutes.{d.value}: must be 0 or more, got {m}"
        for d, m in policy.recheck_minutes.items()
        if m < 0
    ]
    missing = [d.value for d in Disposition if d not in policy.recheck_minutes]
    if missing:
        problems.append(f"recheck_minutes: missing {', '.join(missing)}")
    builtin = _builtin()["recheck_minutes"]
    for disposition in _RECHECK_NOT_LATER:
        minutes, most = policy.recheck_minutes.get(disposition), builtin[disposition.value]
        if minutes is not None and minutes > most:
            problems.append(_later(text, ("recheck_minutes", disposition.value), minutes, most))
    for disposition, most in RECHECK_AT_MOST.items():
        minutes = policy.recheck_minutes.get(disposition)
        if minutes is not None and minutes > most:
            why = f" ({RECHECK_WHY[disposition]})"
            at = ("recheck_minutes", disposition.value)
            problems.append(_later(text, at, minutes, most, why, "the longest allowed"))
    for name, setting in policy.rules.items():
        rule = RULES_BY_NAME.get(name)
        minutes = setting.recheck_minutes
        recheck_key = ("rules", name, "recheck_minutes")
        # a rule whose action says when to re-check (level-1 hypoglycaemia: in 15 minutes)
        if rule is not None and rule.recheck_minutes is not None and (minutes or 0) > rule.recheck_minutes:
            problems.append(
                _later(text, recheck_key, minutes or 0, rule.recheck_minutes, f" ({rule.description})")
            )
        elif rule is not None and minutes is not None and minutes > RULE_RECHECK_AT_MOST:
            why = (
                f" (the longest any disposition may have: local_care's {RECHECK_WHY[Disposition.local_care]})"
            )
            problems.append(
                _later(text, recheck_key, minutes, RULE_RECHECK_AT_MOST, why, "the longest allowed")
            )
    limits: dict[tuple[str, ...], float] = {("freshness", "default_hours"): policy.freshness.default_hours}
    limits |= {("freshness", "hours", code): hours for code, hours in policy.freshness.hours.items()}
    for limit, hours in limits.items():
        if hours < MIN_FRESHNESS_HOURS:
            problems.append(
                f"{_line_of(text, limit)}{'.'.join(limit)}: {hours:g} hours would ignore a reading taken"
                " earlier in the visit as stale, and with it any red flag it shows; allowed:"
                f" {MIN_FRESHNESS_HOURS:g} to {MAX_FRESHNESS_HOURS:g} hours"
            )
    tolerance = policy.freshness.future_tolerance_minutes
    if tolerance > MAX_FUTURE_TOLERANCE_MINUTES:
        problems.append(
            f"{_line_of(text, ('freshness', 'future_tolerance_minutes'))}freshness.future_tolerance_minutes:"
            f" {tolerance:g} would use a reading stamped up to {tolerance:g} minutes after the assessment"
            " time (a device clock set wrong) as the latest, superseding every reading taken since; allowed:"
            f" 0 to {MAX_FUTURE_TOLERANCE_MINUTES:g} minutes"
        )
    low = policy.glucose.critical_low_mmol_l
    if low < LEVEL_2_HYPOGLYCAEMIA_MMOL_L:
        problems.append(
            f"{_line_of(text, ('glucose', 'critical_low_mmol_l'))}glucose.critical_low_mmol_l: {low:g} would lower"
            f" red-flag rule glucose_critical_low: a glucose below {LEVEL_2_HYPOGLYCAEMIA_MMOL_L} mmol/L"
            " (54 mg/dL) is level 2 hypoglycaemia (ADA), an urgent referral, not local care; allowed:"
            f" {LEVEL_2_HYPOGLYCAEMIA_MMOL_L} to 4.0 (a higher value escalates)"
        )
    high = policy.glucose.critical_high_mmol_l
    if high > BUILTIN_CRITICAL_HIGH_MMOL_L:
        problems.append(
            f"{_line_of(text, ('glucose', 'critical_high_mmol_l'))}glucose.critical_high_mmol_l: {high:g} would"
            f" lower red-flag rule glucose_critical_high: a glucose above {BUILTIN_CRITICAL_HIGH_MMOL_L} mmol/L"
            " (400 mg/dL) is an urgent referral under the built-in policy, and would be local care; allowed:"
            f" 11.1 to {BUILTIN_CRITICAL_HIGH_MMOL_L} (a lower value escalates)"
        )
    if policy.glucose.critical_low_mmol_l >= policy.glucose.critical_high_mmol_l:
        problems.append("glucose: critical_low_mmol_l must be below critical_high_mmol_l")
    if problems:
        raise ConfigError(f"{where}: " + "; ".join(problems))


def _error_key(error: Any) -> tuple[str, ...]:
    """The policy key of a pydantic error (``recheck_minutes.local_care``), without the parts only
    the model has: ``each`` (the per-model tables) and ``[key]`` (a dict key that is no disposition)."""
    return tuple(str(part) for part in error["loc"] if part not in ("each", "[key]"))


def policy_from_mapping(data: Mapping[str, Any], *, where: str = "policy", text: str | None = None) -> Policy:
    """Validate ``data`` merged over the built-in defaults; ``ConfigError`` names ``where`` and the key
    (and, with the file's ``text``, the line of a red flag's level)."""
    merged = _merge(_builtin(), data)
    merged.setdefault("source", where)
    try:
        policy = Policy.model_validate(merged)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_line_of(text, _error_key(err))}{'.'.join(_error_key(err))}:"
            # the per-model tables are [models.<name>] in the file (``each`` is the model's own)
            f" {key_message(Policy, err).replace('[models.each.', '[models.')}"
            f"{'' if err['type'] == 'extra_forbidden' else shown_input(err.get('input'))}"
            for err in exc.errors()
        )
        raise ConfigError(f"{where}: {problems}") from None
    _check_semantics(policy, where, text)
    return policy


def load_policy(path: Path | None = None) -> Policy:
    """The built-in policy, or the clinic policy TOML at ``path`` merged over it."""
    if path is None:
        return policy_from_mapping({}, where="built-in policy")
    data = read_toml_file(path, "policy file")
    data.setdefault("source", str(path))
    try:  # read as TOML just now: the text only gives an error its line
        text: str | None = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = None
    return policy_from_mapping(data, where=f"policy file {path}", text=text)
