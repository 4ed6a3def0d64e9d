//! `cargo xtask demo`: the SDK at work against the embedded emulator, offline.
//!
//! Starts the Live emulator on a free loopback port with its demo credential, then: checks the
//! signer on the documentation's example, gets the documented example task, creates a task,
//! lists, stops it, gets it again, shows the recorded file of the finished example task, a
//! wrongly signed request refused and a call that survives injected faults by retrying; then
//! shuts the emulator down.

use std::process::ExitCode;
use std::time::Duration;

use live_api::retry::StandardRetry;
use live_api::{Credentials, LiveClient};
use live_emulator::{
    Emulator, EmulatorConfig, FaultKind, FaultRule, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY,
    EXAMPLE_TASK_ID,
};
use live_model::PullRecordTask;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use volc_sign::{Scope, SignableRequest, Signer, SigningTime};

type DemoResult = Result<(), Box<dyn std::error::Error>>;

fn step(n: u32, title: &str) {
    println!("\n[{n}] {title}");
}

/// Why a step matters, in a sentence or two, indented under the step's title.
fn why(text: &str) {
    for line in text.lines() {
        println!("    {line}");
    }
}

/// One labelled line of a step's result.
fn field(label: &str, value: impl std::fmt::Display) {
    println!("      {label:<10} {value}");
}

/// A task time in UTC, followed by the text exactly as the API sent it; "none" with what it
/// means when the field is empty.
fn time_field(
    label: &str,
    sent: &str,
    parsed: Result<OffsetDateTime, impl std::fmt::Display>,
    empty: &str,
) {
    if sent.is_empty() {
        field(label, format!("none ({empty})"));
        return;
    }
    match parsed.map(|t| t.to_offset(UtcOffset::UTC).format(&Rfc3339)) {
        Ok(Ok(utc)) => field(label, format!("{utc} (UTC; sent as {sent})")),
        _ => field(label, format!("{sent} (as sent; not an RFC 3339 time)")),
    }
}

fn show(task: &PullRecordTask) {
    field("task id", &task.task_id);
    field(
        "status",
        format!("{} (sent as {})", task.status.name(), task.status.text()),
    );
    field("vhost", &task.vhost);
    field("domain", &task.domain);
    field("app", &task.app);
    field(
        "stream",
        task.stream.as_deref().unwrap_or("(not in this answer)"),
    );
    time_field(
        "start",
        &task.start_time,
        task.parse_start_time(),
        "not set",
    );
    let no_end = if task.status.text() == "停用" {
        "no end time was set; it was stopped"
    } else {
        "no end set: it records until stopped"
    };
    time_field("end", &task.end_time, task.parse_end_time(), no_end);
}

pub fn run() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("demo: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(demo()) {
        Ok(()) => {
            println!("\ndemo finished: every step behaved as expected");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\ndemo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn demo() -> DemoResult {
    println!("volc-live demo: the Live pull-record-task API against a local emulator (no account, no network).");
    println!(
        "Each step says what it shows and why it matters. Times are shown in UTC, each followed by"
    );
    println!("the text exactly as the API sent it.");

    step(
        1,
        "The signer reproduces the signature published in Volcengine's documentation",
    );
    why("Every Volcengine API, Live included, is signed the same way (HMAC-SHA256). The signing\n\
         documentation publishes one complete worked example, for the IAM service's ListUsers call,\n\
         so that is the example checked here: same key, same time, same signature, byte for byte.");
    let iam = Signer::new(Scope::new("cn-north-1", "iam")?);
    let query = [
        ("Action", "ListUsers"),
        ("Version", "2018-01-01"),
        ("Limit", "10"),
        ("Offset", "0"),
    ];
    let headers = [(
        "Content-Type",
        "application/x-www-form-urlencoded; charset=utf-8",
    )];
    let request = SignableRequest::new("GET", "iam.volcengineapi.com", "/")
        .query(&query)
        .headers(&headers);
    let signed = iam.sign(
        &Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY)?,
        &request,
        SigningTime::parse("20201230T081805Z")?,
    )?;
    let published = "28eeabbbd726b87002e0fe58ad8c1c768e619b06e2646f35b6ad7ed029a6d8a7";
    if signed.signature() != published {
        return Err("the documentation example did not reproduce".into());
    }
    field(
        "call",
        "IAM ListUsers (Limit=10, Offset=0), signed at 2020-12-30T08:18:05Z",
    );
    field("signature", format!("{published} (the published one)"));

    step(2, "Start the emulator on a free loopback port");
    why(
        "A local server that checks signatures and answers as the Live API does, so everything\n\
         below runs offline. It accepts the documentation's example key (the one used in step 1).",
    );
    let emulator = Emulator::start(EmulatorConfig::new()).await?;
    field("listening", emulator.base_url());
    field("access key", DEMO_ACCESS_KEY_ID);
    let client = LiveClient::builder()
        .endpoint(emulator.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY)?)
        .retry(StandardRetry::default().initial_backoff(Duration::from_millis(20)))
        .build()?;

    step(3, "GetPullRecordTask: the documented example task");
    why(&format!(
        "The task id {EXAMPLE_TASK_ID} is written exactly as the API page prints it:\n\
         the asterisks are part of the documented example, not something hidden here. The emulator\n\
         holds that task, so the documented request gets the documented answer."
    ));
    let got = client
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await?;
    show(&got.task);
    field("request id", got.request_id());

    step(4, "CreatePullRecordTask: record a stream from now on");
    why(
        "With no start or end time the task starts recording now and has no end: it records\n\
         until it is stopped (step 6).",
    );
    let created = client
        .create_pull_record_task()
        .vhost("example.com")
        .domain("pull.example.com")
        .app("live")
        .stream("demo_stream")
        .stream_url("http://pull.example.com/live/demo_stream.flv")
        .send()
        .await?;
    field("task id", &created.task_id);
    field("request id", created.request_id());

    step(5, "ListPullRecordTask: every task, page by page");
    why("Asked one task per page, to show the client following the pages to the last one.");
    let mut tasks = client.list_pull_record_tasks().page_size(1).tasks();
    let mut count = 0;
    while let Some(task) = tasks.next().await {
        count += 1;
        println!("    page {count}:");
        show(&task?);
    }
    println!("    {count} tasks in {count} pages");

    step(6, "StopPullRecordTask, then GetPullRecordTask again");
    why("A stop is checked by reading the task back: its status is now stopped (停用).");
    client
        .stop_pull_record_task()
        .task_id(&created.task_id)
        .send()
        .await?;
    let stopped = client
        .get_pull_record_task()
        .task_id(&created.task_id)
        .send()
        .await?;
    show(&stopped.task);
    if stopped.task.status.text() != "停用" {
        return Err("the stopped task is not 停用".into());
    }

    step(
        7,
        "DescribeRecordTaskFileHistory: the recorded file of a task that finished",
    );
    why(
        "The documented example task has finished; the files its recording wrote are asked for\n\
         with DescribeRecordTaskFileHistory, in windows of at most 7 days around the task's times.",
    );
    let files = client.record_files_of(&got.task).all().await?;
    let Some(file) = files.first() else {
        return Err("the finished example task has no recorded file".into());
    };
    field("file", &file.file_name);
    time_field(
        "start",
        &file.start_time,
        live_model::parse_rfc3339("StartTime", &file.start_time),
        "not set",
    );
    time_field(
        "end",
        &file.end_time,
        live_model::parse_rfc3339("EndTime", &file.end_time),
        "not set",
    );
    field(
        "duration",
        format!(
            "{} (as sent; the service does not document its unit, the emulator writes seconds)",
            file.duration
        ),
    );
    field("format", &file.format);
    field(
        "stored at",
        file.location().map(|l| l.to_string()).unwrap_or_default(),
    );

    step(8, "A wrongly signed request is refused");
    why("The same GetPullRecordTask request, with the same access key, signed with a wrong secret\n\
         key (\"not-the-secret\"). Only the signature changes; the emulator recomputes it with the\n\
         real secret, the two differ, and the request is refused before it reaches the task store.\n\
         A signature error is permanent, so the client does not retry it.");
    let wrong = LiveClient::builder()
        .endpoint(emulator.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, "not-the-secret")?)
        .retry(StandardRetry::none())
        .build()?;
    match wrong
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
    {
        Err(e)
            if e.code()
                .is_some_and(|c| c.as_str() == "SignatureDoesNotMatch") =>
        {
            field("refused", &e);
            field("attempts", e.attempts());
        }
        Err(e) => return Err(format!("refused, but not for the signature: {e}").into()),
        Ok(_) => return Err("a wrongly signed request was accepted".into()),
    }

    step(9, "A call survives injected faults by retrying");
    why("The emulator is told to fail the next two GetPullRecordTask calls the way a real network\n\
         and service can: a gateway's HTML 502 page, then InternalError (HTTP 500). A read is safe\n\
         to repeat, so the client retries it and the third attempt gets the answer.");
    emulator.inject(FaultRule::next(1, FaultKind::Html502).for_action("GetPullRecordTask"));
    emulator.inject(
        FaultRule::next(
            1,
            FaultKind::Error {
                code: "InternalError".into(),
                status: None,
                message: None,
            },
        )
        .for_action("GetPullRecordTask"),
    );
    let survived = client
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await?;
    if !emulator.faults().is_empty() {
        return Err("the faults were not all used".into());
    }
    field("attempt 1", "HTML 502 from the gateway: retried");
    field("attempt 2", "InternalError (HTTP 500): retried");
    field(
        "attempt 3",
        format!(
            "answered: {} is {} (request id {})",
            survived.task.task_id,
            survived.task.status.name(),
            survived.request_id()
        ),
    );

    step(10, "Shut the emulator down");
    emulator.shutdown().await;
    println!("    stopped");
    Ok(())
}
