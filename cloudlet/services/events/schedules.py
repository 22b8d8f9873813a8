"""Schedule expressions, as AWS documents them for scheduled rules (all times UTC).

`rate(VALUE UNIT)`: a positive whole VALUE of minutes, hours or days (the unit singular for 1,
plural otherwise), counted from when the rule was scheduled.

`cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)`: six fields, with `,` `-` `*` `/`
everywhere, `?` in one of the two day fields (one of them must be `?`), `L` and `W` in
day-of-month (`L`, `LW`, `15W`), `L` and `#` in day-of-week (`6L`, `2#3`); months JAN-DEC, days
SUN-SAT (1 = Sunday), years 1970-2199.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\(([^()]*)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}
_DAYS = {name.upper(): number for number, name in enumerate(("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"), 1)}
_SEARCH_YEARS = 8  # how far ahead a cron expression is searched for its next time


class ScheduleError(ValueError):
    """The expression is not a schedule AWS accepts."""


class Schedule:
    def next_after(self, moment: float) -> float | None:
        """The first firing strictly after `moment` (epoch seconds), None if there is none."""
        raise NotImplementedError


@dataclass(frozen=True)
class Rate(Schedule):
    seconds: int
    start: float

    def next_after(self, moment: float) -> float:
        periods = math.floor((moment - self.start) / self.seconds) + 1
        return self.start + max(periods, 1) * self.seconds


@dataclass(frozen=True)
class Cron(Schedule):
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int] | None
    day: Callable[[int, int, int], bool]  # (year, month, day) -> does the day match

    def next_after(self, moment: float) -> float | None:
        start = datetime.fromtimestamp(math.floor(moment / 60) * 60 + 60, UTC)
        day = start.replace(hour=0, minute=0)
        end = day.replace(year=day.year + _SEARCH_YEARS)
        while day < end:
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate.timestamp()
            day += timedelta(days=1)
        return None

    def _day_matches(self, day: datetime) -> bool:
        if self.years is not None and day.year not in self.years:
            return False
        return day.month in self.months and self.day(day.year, day.month, day.day)


def parse(expression: str, start: float) -> Schedule:
    rate = _RATE.fullmatch(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) == unit.endswith("s"):
            raise ScheduleError(expression)
        return Rate(value * _UNIT_SECONDS[unit.rstrip("s")], start)
    cron = _CRON.fullmatch(expression)
    if cron:
        return _cron(cron.group(1).split())
    raise ScheduleError(expression)


def _cron(fields: list[str]) -> Cron:
    if len(fields) != 6:
        raise ScheduleError("cron takes six fields")
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleError("one of day-of-month and day-of-week must be ?")
    day = _day_of_week(dow) if dom == "?" else _day_of_month(dom)
    return Cron(
        frozenset(_values(minutes, 0, 59)),
        frozenset(_values(hours, 0, 23)),
        frozenset(_values(month, 1, 12, _MONTHS)),
        None if year == "*" else frozenset(_values(year, 1970, 2199)),
        day,
    )


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    values: set[int] = set()
    for part in field.split(","):
        values |= _part(part, low, high, names or {})
    return values


def _part(part: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    base, _, step_text = part.partition("/")
    step = _number(step_text, 1, high - low + 1, {}) if step_text else 1
    if base == "*":
        first, last = low, high
    elif "-" in base:
        first_text, _, last_text = base.partition("-")
        first, last = _number(first_text, low, high, names), _number(last_text, low, high, names)
        if last < first:
            raise ScheduleError(f"range {base} runs backwards")
    else:
        first = _number(base, low, high, names)
        last = high if step_text else first
    return set(range(first, last + 1, step))


def _number(text: str, low: int, high: int, names: dict[str, int]) -> int:
    value = names.get(text.upper()) if not text.isdigit() else int(text)
    if value is None or not low <= value <= high:
        raise ScheduleError(f"{text} is not between {low} and {high}")
    return value


def _day_of_month(field: str) -> Callable[[int, int, int], bool]:
    if field == "L":
        return lambda year, month, day: day == calendar.monthrange(year, month)[1]
    if field == "LW":
        return lambda year, month, day: day == _last_weekday(year, month)
    if field.endswith("W"):
        target = _number(field[:-1], 1, 31, {})
        return lambda year, month, day: day == _nearest_weekday(year, month, target)
    days = _values(field, 1, 31)
    return lambda year, month, day: day in days


def _day_of_week(field: str) -> Callable[[int, int, int], bool]:
    if "#" in field:
        weekday_text, _, nth_text = field.partition("#")
        weekday, nth = _number(weekday_text, 1, 7, _DAYS), _number(nth_text, 1, 5, {})
        return lambda year, month, day: _aws_weekday(year, month, day) == weekday and (day - 1) // 7 + 1 == nth
    if field == "L":
        return lambda year, month, day: _aws_weekday(year, month, day) == 7
    if field.endswith("L"):
        weekday = _number(field[:-1], 1, 7, _DAYS)
        return lambda year, month, day: (_aws_weekday(year, month, day) == weekday
                                         and day + 7 > calendar.monthrange(year, month)[1])
    days = _values(field, 1, 7, _DAYS)
    return lambda year, month, day: _aws_weekday(year, month, day) in days


def _aws_weekday(year: int, month: int, day: int) -> int:
    """1 = Sunday ... 7 = Saturday, as cron expressions count."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


def _last_weekday(year: int, month: int) -> int:
    last = calendar.monthrange(year, month)[1]
    while calendar.weekday(year, month, last) >= 5:
        last -= 1
    return last


def _nearest_weekday(year: int, month: int, target: int) -> int:
    """The weekday nearest `target` within the month (15W on a Saturday is Friday the 14th)."""
    last = calendar.monthrange(year, month)[1]
    day = min(target, last)
    weekday = calendar.weekday(year, month, day)
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < last else day - 2
    return day
