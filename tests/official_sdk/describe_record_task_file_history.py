"""The official Python SDK's describe_record_task_file_history against a running emulator.

Optional, not in CI: it needs the official SDK (`pip install volcengine`) and an emulator,
e.g. `cargo run -p live-emulator -- --listen 127.0.0.1:8787`. Run:

    python3 tests/official_sdk/describe_record_task_file_history.py [HOST:PORT]

It asks for the files of the documented example task's day with the demo credential and
checks that the emulator's file comes back with every documented field. Exit status 0 when
it does, 1 when it does not, 2 when the SDK is not installed.
"""

import sys

try:
    from volcengine.live.v20230101.live_service import LiveService
except ImportError:
    print("the official SDK is not installed: pip install volcengine", file=sys.stderr)
    sys.exit(2)

# The public example key of Volcengine's signing documentation (the emulator's demo credential).
AK = "AKLTMjI2ODVlYzI3ZGY1NGU4ZjhjYWRjMTlmNTM5OTZkYzE"
SK = "TnpCak5XWXpZV1U0WkRaaE5ERmxaR0ZpTmpjeVkyUXlZek0wTWpJMU1qWQ=="
FIELDS = {"Vhost", "App", "Stream", "FileName", "Format", "Duration", "StartTime", "EndTime",
          "StartTimeUTC", "EndTimeUTC", "Bucket", "Path", "Vid"}


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8787"
    service = LiveService(host=host, ak=AK, sk=SK)
    service.set_scheme("http")
    answer = service.describe_record_task_file_history({
        "DateFrom": "2023-10-09T00:00:00+08:00",
        "DateTo": "2023-10-10T00:00:00+08:00",
        "PageNum": 1,
        "PageSize": 30,
        "Vhost": "example.com",
        "App": "live",
        "Stream": "example_stream",
    })
    files = answer["Result"]["Data"]
    ok = (len(files) == 1 and set(files[0]) == FIELDS
          and files[0]["StartTime"] == "2023-10-09T15:16:15+08:00"
          and answer["Result"]["Pagination"]["TotalCount"] == 1)
    print(("ok: " if ok else "unexpected: ") + str(answer))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
