"""The AWS SDK for JavaScript v3 (Node), unchanged but for the endpoint: a second family of real
clients on the wire, with its own HTTP stack (Node's http agent, keep-alive, streamed bodies).

The SDK is installed once per version from the npm registry into the user's cache directory and
reused after; without node and npm on the machine the test is skipped, saying so.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SDK_VERSION = "3.1178.0"
PACKAGES = ("client-s3", "client-dynamodb", "client-sqs", "lib-storage")

SCRIPT = r"""
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
         ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { DynamoDBClient, CreateTableCommand, PutItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";

const endpoint = process.argv[2];
const config = { endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
const s3 = new S3Client({ ...config, forcePathStyle: true });
const bucket = "js-" + Date.now();
await s3.send(new CreateBucketCommand({ Bucket: bucket }));
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "small.txt", Body: "hello from node" }));
const big = Buffer.alloc(7 * 1024 * 1024, 7);
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "big.bin", Body: big }));
const upload = new Upload({ client: s3, partSize: 5 * 1024 * 1024,
                            params: { Bucket: bucket, Key: "parts.bin", Body: Buffer.alloc(12 * 1024 * 1024, 3) } });
await upload.done();
const small = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "small.txt" }))).Body.transformToString();
const back = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "big.bin" }))).Body.transformToByteArray();
const parts = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "parts.bin" }));
const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));

const ddb = new DynamoDBClient(config);
const table = "js" + Date.now();
await ddb.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST",
  KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }] }));
await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "a" }, n: { N: "42" } } }));
const item = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "a" } } }));

const sqs = new SQSClient(config);
const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "js-" + Date.now() }));
await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "hi from node" }));
const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));

console.log(JSON.stringify({
  small, big: back.length === big.length && back.every((b) => b === 7), parts: parts.ContentLength,
  etag: parts.ETag, keys: listing.Contents.map((c) => c.Key).sort(), item: item.Item.n.N,
  message: received.Messages[0].Body,
}));
"""


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cloudlet-tests" / f"aws-sdk-js-{SDK_VERSION}"


@pytest.fixture(scope="session")
def sdk_dir() -> Path:
    """A directory whose node_modules holds the SDK (installed once, locked against other workers)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the JavaScript SDK cannot run here")
    folder = _cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".installed").exists():
            (folder / "package.json").write_text(json.dumps({"name": "cloudlet-js-sdk-test", "private": True}))
            done = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--silent",
                 *(f"@aws-sdk/{name}@{SDK_VERSION}" for name in PACKAGES)],
                cwd=folder, capture_output=True, text=True, timeout=600,
            )
            assert done.returncode == 0, f"npm install failed:\n{done.stdout}\n{done.stderr}"
            (folder / ".installed").write_text(SDK_VERSION)
    return folder


def test_s3_dynamodb_and_sqs_from_node(sdk_dir: Path, endpoint: str):
    script = sdk_dir / "roundtrip.mjs"
    script.write_text(SCRIPT)
    done = subprocess.run(["node", str(script), endpoint], capture_output=True, text=True, timeout=180,
                          cwd=sdk_dir)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["small"] == "hello from node"
    assert seen["big"] is True
    assert seen["parts"] == 12 * 1024 * 1024 and seen["etag"].endswith('-3"')  # three parts
    assert seen["keys"] == ["big.bin", "parts.bin", "small.txt"]
    assert seen["item"] == "42"
    assert seen["message"] == "hi from node"
