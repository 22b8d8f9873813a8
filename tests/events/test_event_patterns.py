"""Event pattern matching (shared by EventBridge rules and Lambda filter criteria), case by case
from AWS's content filtering documentation."""

from __future__ import annotations

import pytest

from cloudlet.services.event_patterns import PatternError, check, matches

EVENT = {
    "version": "0", "id": "e-1", "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
    "account": "111122223333", "time": "2017-10-02T18:43:48Z", "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:111122223333:instance/i-0123"],
    "detail": {
        "state": "running", "c-count": 3, "d-count": 9.5, "x-limit": 301.8, "FileName": "photos/cat.PNG",
        "sourceIPAddress": "10.0.0.17", "tags": ["blue", "green"], "owner": None, "note": "",
        "nested": {"c1": 100}, "empty": [], "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 5}],
    },
}


@pytest.mark.parametrize("pattern, expected", [
    ({"source": ["aws.ec2"]}, True),
    ({"source": ["aws.s3"]}, False),
    ({"source": ["aws.s3", "aws.ec2"]}, True),
    ({"detail": {"state": ["running"], "c-count": [3]}}, True),
    ({"detail": {"state": ["running"], "c-count": [4]}}, False),
    ({"detail": {"x-limit": [3.018e2]}}, True),  # numbers compare as numbers
    ({"detail": {"tags": ["green"]}}, True),  # a list field matches when any element does
    ({"detail": {"owner": [None]}}, True),
    ({"detail": {"note": [""]}}, True),
    ({"detail": {"absent": [None]}}, False),  # null matches null, not a missing field
    ({"time": [{"prefix": "2017-10-02"}]}, True),
    ({"detail": {"FileName": [{"suffix": ".png"}]}}, False),
    ({"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}, True),
    ({"detail": {"state": [{"prefix": {"equals-ignore-case": "RUN"}}]}}, True),
    ({"detail": {"state": [{"equals-ignore-case": "RUNNING"}]}}, True),
    ({"detail": {"state": [{"anything-but": "initializing"}]}}, True),
    ({"detail": {"state": [{"anything-but": ["stopped", "running"]}]}}, False),
    ({"detail": {"c-count": [{"anything-but": [1, 2, 3]}]}}, False),
    ({"detail": {"state": [{"anything-but": {"prefix": "run"}}]}}, False),
    ({"detail": {"state": [{"anything-but": {"prefix": ["init", "stop"]}}]}}, True),
    ({"detail": {"FileName": [{"anything-but": {"suffix": [".jpg", ".PNG"]}}]}}, False),
    ({"detail": {"state": [{"anything-but": {"equals-ignore-case": ["RUNNING"]}}]}}, False),
    ({"detail": {"FileName": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, True),
    ({"detail": {"absent": [{"anything-but": "x"}]}}, False),  # anything-but needs the field
    ({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}]}}, True),
    ({"detail": {"c-count": [{"numeric": [">", 3]}]}}, False),
    ({"detail": {"x-limit": [{"numeric": ["=", 301.8]}]}}, True),
    ({"detail": {"state": [{"numeric": [">", 0]}]}}, False),  # numeric matches numbers only
    ({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, True),
    ({"detail": {"sourceIPAddress": [{"cidr": "10.0.1.0/24"}]}}, False),
    ({"detail": {"c-count": [{"exists": True}]}}, True),
    ({"detail": {"absent": [{"exists": False}]}}, True),
    ({"detail": {"absent": [{"exists": True}]}}, False),
    ({"detail": {"nested": [{"exists": False}]}}, True),  # exists looks at leaves: an object is none
    ({"detail": {"nested": [{"exists": True}]}}, False),
    ({"detail": {"empty": [{"exists": False}]}}, True),
    ({"detail": {"FileName": [{"wildcard": "photos/*.PNG"}]}}, True),
    ({"detail": {"FileName": [{"wildcard": "*.png"}]}}, False),
    ({"detail": {"items": {"sku": ["b"], "qty": [{"numeric": [">", 2]}]}}}, True),  # objects in a list
    ({"detail": {"items": {"sku": ["a"], "qty": [{"numeric": [">", 2]}]}}}, False),
    ({"source": ["aws.s3"], "$or": [{"detail": {"c-count": [3]}}, {"detail": {"state": ["x"]}}]}, False),
    ({"source": ["aws.ec2"], "$or": [{"detail": {"c-count": [4]}}, {"detail": {"state": ["running"]}}]}, True),
    ({"detail": {"$or": [{"c-count": [4]}, {"d-count": [4]}]}}, False),
])
def test_matching(pattern, expected):
    check(pattern)
    assert matches(pattern, EVENT) is expected


def test_wildcard_escapes():
    check({"k": [{"wildcard": r"a\*b*"}]})
    assert matches({"k": [{"wildcard": r"a\*b*"}]}, {"k": "a*bcd"})
    assert not matches({"k": [{"wildcard": r"a\*b*"}]}, {"k": "axbcd"})


@pytest.mark.parametrize("pattern", [
    [], {"a": "x"}, {"a": 1}, {"a": []}, {"a": [[1]]}, {"a": [{"prefix": 1}]}, {"a": [{"prefix": "x", "suffix": "y"}]},
    {"a": [{"numeric": [">"]}]}, {"a": [{"numeric": ["~", 1]}]}, {"a": [{"numeric": [">", 1, ">", 2]}]},
    {"a": [{"exists": "true"}]}, {"a": [{"cidr": "not-an-ip"}]}, {"a": [{"anything-but": {"numeric": [">", 1]}}]},
    {"a": [{"anything-but": [1, "x"]}]}, {"a": [{"anything-but": None}]}, {"a": [{"wildcard": "a**"}]},
    {"$or": [{"a": ["x"]}]}, {"$or": "x"}, {"a": [{"unknown": 1}]},
])
def test_invalid_patterns(pattern):
    with pytest.raises(PatternError):
        check(pattern)
