"""PartiQL through boto3: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction."""

from __future__ import annotations

import pytest

ILL_FORMED = "Statement wasn't well formed, can't be processed: "


@pytest.fixture(scope="module")
def music(ddb):
    """A table with a sort key, an LSI (KEYS_ONLY) and a GSI (INCLUDE year), holding 12 songs."""
    ddb.create_table(
        TableName="music",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "artist", "KeyType": "HASH"},
            {"AttributeName": "song", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in (("artist", "S"), ("song", "N"), ("genre", "S"), ("plays", "N"))
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_plays",
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "KeySchema": [
                    {"AttributeName": "artist", "KeyType": "HASH"},
                    {"AttributeName": "plays", "KeyType": "RANGE"},
                ],
            }
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_genre",
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["year"]},
                "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
            }
        ],
    )
    for artist in ("a", "b", "c"):
        for song in range(4):
            ddb.put_item(
                TableName="music",
                Item={
                    "artist": {"S": artist},
                    "song": {"N": str(song)},
                    "genre": {"S": "rock" if song % 2 else "jazz"},
                    "plays": {"N": str(100 - song)},
                    "year": {"N": str(2000 + song)},
                    "info": {"M": {"tags": {"L": [{"S": f"t{song}"}]}}},
                },
            )
    return "music"


def run(ddb, statement, *parameters, **kwargs):
    if parameters:
        kwargs["Parameters"] = list(parameters)
    return ddb.execute_statement(Statement=statement, **kwargs)


def songs(reply):
    return [(item["artist"]["S"], item["song"]["N"]) for item in reply["Items"]]


def test_select_by_key_and_non_key_attributes(ddb, music):
    reply = run(ddb, 'SELECT * FROM "music" WHERE artist = ? AND song >= 2', {"S": "b"})
    assert songs(reply) == [("b", "2"), ("b", "3")]
    assert reply["Items"][0]["info"] == {"M": {"tags": {"L": [{"S": "t2"}]}}}
    reply = run(ddb, "SELECT song, info.tags[0] FROM music WHERE artist IN ['a', 'c'] AND genre = 'rock'")
    assert reply["Items"] == [
        {"song": {"N": str(n)}, "info": {"M": {"tags": {"L": [{"S": f"t{n}"}]}}}} for n in (1, 3, 1, 3)
    ]
    reply = run(ddb, "SELECT * FROM music WHERE artist = 'a' AND song BETWEEN 1 AND 2 ORDER BY song DESC")
    assert songs(reply) == [("a", "2"), ("a", "1")]
    # No partition key equality: a scan with the WHERE as its filter.
    reply = run(
        ddb, "select artist from music where plays < 99 and year IS NOT MISSING and not (artist <> 'c')"
    )
    assert reply["Items"] == [{"artist": {"S": "c"}}] * 2
    reply = run(
        ddb,
        "SELECT * FROM music WHERE begins_with(genre, 'ro') AND contains(info.tags, 't3')"
        " AND attribute_type(year, 'N') AND size(genre) = 4 AND nothing IS MISSING",
    )
    assert sorted(songs(reply)) == [("a", "3"), ("b", "3"), ("c", "3")]


def test_select_pages_with_next_token(ddb, music):
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"NextToken": token} if token else {}
        reply = run(
            ddb, "SELECT * FROM music WHERE artist IN [?, ?]", {"S": "a"}, {"S": "b"}, Limit=3, **kwargs
        )
        seen += songs(reply)
        pages += 1
        token = reply.get("NextToken")
        if not token:
            break
    assert seen == [(a, str(s)) for a in "ab" for s in range(4)] and pages == 3
    scanned, token = [], None
    while True:
        reply = run(ddb, "SELECT song FROM music", Limit=5, **({"NextToken": token} if token else {}))
        scanned += reply["Items"]
        token = reply.get("NextToken")
        if not token:
            break
    assert len(scanned) == 12
    error = _error(ddb, "SELECT * FROM music WHERE artist = 'a'", NextToken=token_of(ddb))
    assert error["Message"] == "Invalid NextToken"


def token_of(ddb):
    return run(ddb, "SELECT * FROM music WHERE artist = 'b'", Limit=1)["NextToken"]


def test_select_through_indexes(ddb, music):
    reply = run(ddb, 'SELECT artist, year FROM "music"."by_genre" WHERE genre = \'rock\'')
    assert sorted((i["artist"]["S"], i["year"]["N"]) for i in reply["Items"]) == [
        (a, y) for a in "abc" for y in ("2001", "2003")
    ]
    error = _error(ddb, 'SELECT artist, info, plays FROM "music"."by_genre" WHERE genre = \'rock\'')
    assert error["Message"] == (
        "One or more parameter values were invalid: Global secondary index by_genre does"
        " not project [info, plays]"
    )
    # The LSI projects keys only: AWS reads the other attributes from the table.
    reply = run(
        ddb,
        'SELECT song, year FROM "music"."by_plays" WHERE artist = \'a\' AND plays > 98',
        ReturnConsumedCapacity="INDEXES",
    )
    assert reply["Items"] == [
        {"song": {"N": "1"}, "year": {"N": "2001"}},
        {"song": {"N": "0"}, "year": {"N": "2000"}},
    ]
    spent = reply["ConsumedCapacity"]
    assert spent["LocalSecondaryIndexes"]["by_plays"]["ReadCapacityUnits"] == 0.5
    assert spent["Table"]["ReadCapacityUnits"] == 1.0  # one eventually consistent read per fetched item
    assert (
        _error(ddb, 'SELECT * FROM "music"."nope"')["Message"]
        == "The table does not have the specified index: nope"
    )


def test_insert_update_delete(ddb, make_table, error_of):
    name = make_table(range=("sk", "N"))
    assert (
        run(
            ddb,
            f"INSERT INTO \"{name}\" VALUE {{'pk': ?, 'sk': 1, 'n': 1, 'tags': <<'x', 'y'>>,"
            " 'doc': {'l': [1, 'two', null, true]}}",
            {"S": "p"},
        )["Items"]
        == []
    )
    error = error_of(ddb.execute_statement, Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': 'p', 'sk': 1}}")
    assert (error["Code"], error["Message"]) == (
        "DuplicateItemException",
        "Duplicate primary key exists in table",
    )
    reply = run(
        ddb,
        f"UPDATE \"{name}\" SET n = n + ? SET doc.l[1] = 'deux' REMOVE doc.l[2]"
        " SET tags = set_add(tags, <<'z'>>) WHERE pk = 'p' AND sk = 1 RETURNING MODIFIED NEW *",
        {"N": "41"},
    )
    assert reply["Items"][0]["n"] == {"N": "42"} and reply["Items"][0]["tags"] == {"SS": ["x", "y", "z"]}
    item = ddb.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "1"}})["Item"]
    assert item["doc"] == {"M": {"l": {"L": [{"N": "1"}, {"S": "deux"}, {"BOOL": True}]}}}
    reply = run(
        ddb,
        f"UPDATE \"{name}\" SET tags = set_delete(tags, <<'x'>>), s = list_append([0], doc.l)"
        " WHERE pk = 'p' AND sk = 1 AND n = 42 RETURNING ALL OLD *",
    )
    assert reply["Items"][0]["n"] == {"N": "42"} and "s" not in reply["Items"][0]
    item = ddb.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "1"}})["Item"]
    assert item["tags"] == {"SS": ["y", "z"]} and item["s"]["L"][0] == {"N": "0"}
    error = error_of(
        ddb.execute_statement,
        Statement=f"UPDATE \"{name}\" SET n = 1 WHERE pk = 'p' AND sk = 1 AND n = 0",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    assert error["Code"] == "ConditionalCheckFailedException" and error["Item"]["n"] == {"N": "42"}
    error = error_of(
        ddb.execute_statement, Statement=f"UPDATE \"{name}\" SET n = 1 WHERE pk = 'q' AND sk = 1"
    )
    assert error["Code"] == "ConditionalCheckFailedException"  # UPDATE never creates an item
    error = error_of(ddb.execute_statement, Statement=f"UPDATE \"{name}\" SET n = 1 WHERE pk = 'p'")
    assert error["Message"] == "Where clause does not contain a mandatory equality on all key attributes"
    error = error_of(
        ddb.execute_statement, Statement=f"UPDATE \"{name}\" SET sk = 2 WHERE pk = 'p' AND sk = 1"
    )
    assert error["Message"].endswith("Cannot update attribute sk. This attribute is part of the key")
    assert run(ddb, f"DELETE FROM \"{name}\" WHERE pk = 'nobody' AND sk = 1")["Items"] == []
    reply = run(ddb, f"DELETE FROM \"{name}\" WHERE pk = 'p' AND sk = 1 RETURNING ALL OLD *")
    assert reply["Items"][0]["n"] == {"N": "42"}
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "1"}})


def _error(ddb, statement, *parameters, **kwargs):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as exc:
        run(ddb, statement, *parameters, **kwargs)
    return exc.value.response["Error"]


@pytest.mark.parametrize(
    ("statement", "parameters", "message"),
    [
        ("SELECT * FROM music WHERE artist = 'a' foo", [], ILL_FORMED + "Unexpected token after expression"),
        ("SELECT * FROM music WHERE artist = 'a')", [], ILL_FORMED + "Unexpected token after expression"),
        (
            "DELETE FROM music WHERE artist = 'a' AND song = 1 ORDER BY song",
            [],
            ILL_FORMED + "Unexpected token after expression",
        ),
        ("UPSERT INTO music VALUE {'artist': 'a'}", [], ILL_FORMED + "Expected data manipulation"),
        ("SELECT * FROM music WHERE artist = 'a' # note", [], ILL_FORMED),
        ("SELECT * FROM \"music\" m WHERE artist = 'a'", [], "Aliasing is not supported"),
        (
            "SELECT * FROM music WHERE artist = ? AND song = ?",
            [{"S": "a"}],
            "Number of parameters in request and statement don't match.",
        ),
        (
            "SELECT * FROM music WHERE song = 1e126",
            [],
            "Number overflow. Attempting to store a number with magnitude larger than supported range under root",
        ),
        (
            "INSERT INTO music VALUE {'artist': 'z', 'song': 1, 'l': [1, 1e126]}",
            [],
            "Number overflow. Attempting to store a number with magnitude larger than supported range under root[1]",
        ),
        (
            "SELECT * FROM music WHERE song = ?",
            [{"N": "1e99999999999"}],
            "The parameter cannot be converted to a numeric value: 1e99999999999",
        ),
        ("SELECT * FROM music WHERE exists(song)", [], "Unrecognized function: exists at 1:27:6"),
        (
            "SELECT * FROM music WHERE attribute_exists('song')",
            [],
            "Operator or function requires a document path; operator or function: attribute_exists",
        ),
        (
            "UPDATE music SET t = set_add(song, <<1>>) WHERE artist = 'a' AND song = 1",
            [],
            "The first argument to SET_ADD must equal the assignment value at 1:22:7",
        ),
        ("INSERT INTO music VALUE {'artist': 'z', 'song': 1, 's': <<>>}", [], "Empty bags are not supported"),
    ],
)
def test_statement_errors(ddb, music, statement, parameters, message):
    error = _error(ddb, statement, *parameters)
    assert (error["Code"], error["Message"]) == ("ValidationException", message)


def test_batch_execute_statement(ddb, make_table):
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "old"}, "n": {"N": "1"}})
    reply = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': ?}}", "Parameters": [{"S": "new"}]},
            {"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 'old'}}"},
            {
                "Statement": f"UPDATE \"{name}\" SET n = 5 WHERE pk = 'old' AND n = 0",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
            {"Statement": f"UPDATE \"{name}\" SET n = 2 WHERE pk = 'old'"},
            {"Statement": f"DELETE FROM \"{name}\" WHERE pk = 'gone' AND"},
        ]
    )["Responses"]
    assert reply[0] == {"TableName": name}
    assert reply[1]["Error"] == {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}
    assert reply[2]["Error"]["Code"] == "ConditionalCheckFailed" and reply[2]["Error"]["Item"]["n"] == {
        "N": "1"
    }
    assert reply[3] == {"TableName": name}
    assert reply[4]["Error"]["Code"] == "ValidationError"
    reply = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f'SELECT n FROM "{name}" WHERE pk = ?', "Parameters": [{"S": "old"}]},
            {"Statement": f"SELECT * FROM \"{name}\" WHERE pk = 'missing'"},
            {"Statement": f"SELECT * FROM \"{name}\" WHERE pk = 'old' AND attribute_exists(n)"},
        ]
    )["Responses"]
    assert reply[0] == {"TableName": name, "Item": {"n": {"N": "2"}}}
    assert reply[1] == {"TableName": name}
    assert reply[2]["Error"] == {
        "Code": "ValidationError",
        "Message": "Select statements within"
        " BatchExecuteStatement must specify the primary key in the where clause.",
    }


def test_execute_transaction(ddb, make_table, error_of):
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    statements = [
        {"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 'b'}}"},
        {
            "Statement": f"UPDATE \"{name}\" SET n = n + 1 WHERE pk = 'a' AND n = ?",
            "Parameters": [{"N": "5"}],
        },
    ]
    error = error_of(ddb.execute_transaction, TransactStatements=statements)
    assert error["Code"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in error["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "b"}})
    statements[1]["Parameters"] = [{"N": "1"}]
    for _ in range(2):  # the token makes the second call a no-op
        assert (
            ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="tx-1")["Responses"]
            == []
        )
    reply = ddb.execute_transaction(
        TransactStatements=[
            {"Statement": f"SELECT * FROM \"{name}\" WHERE pk = 'a'"},
            {"Statement": f"SELECT * FROM \"{name}\" WHERE pk = 'nobody'"},
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert reply["Responses"] == [{"Item": {"pk": {"S": "a"}, "n": {"N": "2"}}}, {}]
    assert reply["ConsumedCapacity"][0]["ReadCapacityUnits"] == 4.0
    error = error_of(
        ddb.execute_transaction,
        TransactStatements=[
            {"Statement": f"SELECT * FROM \"{name}\" WHERE pk = 'a'"},
            {"Statement": f"DELETE FROM \"{name}\" WHERE pk = 'a'"},
        ],
    )
    assert error["Message"] == (
        "ExecuteTransaction API does not support both read and write operations in the same request."
    )
    error = error_of(
        ddb.execute_transaction, TransactStatements=[{"Statement": f'SELECT * FROM "{name}" WHERE n = 2'}]
    )
    assert error["Message"] == (
        "Validation failed in TransactStatements[0]: Select statements within"
        " ExecuteTransaction must specify the primary key in the where clause."
    )
    error = error_of(
        ddb.execute_transaction,
        TransactStatements=[{"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 'a'}}"}],
    )
    assert error["CancellationReasons"] == [
        {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}
    ]
