"""An S3-compatible server for the attachment tests: moto's server on loopback, with a bucket
made for the test. Prints "READY <port>" when listening.

    s3_server.py serve BUCKET      run until killed
    s3_server.py list PORT BUCKET  print the bucket's keys as a JSON list, and exit
"""
import json, socket, sys, time
import boto3

KEY, SECRET = "khoi-test", "khoi-test-secret"


def client(port):
    return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}",
                        aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                        region_name="us-east-1")


if sys.argv[1] == "list":
    port, bucket = sys.argv[2], sys.argv[3]
    pages = client(port).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    print(json.dumps(sorted(o["Key"] for p in pages for o in p.get("Contents", []))))
    sys.exit(0)

from moto.server import ThreadedMotoServer

bucket = sys.argv[2]
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
client(port).create_bucket(Bucket=bucket)
print(f"READY {port}", flush=True)
while True:
    time.sleep(3600)
