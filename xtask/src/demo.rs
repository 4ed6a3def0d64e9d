//! `cargo xtask demo`: the SDK at work against the embedded emulator, offline.
//!
//! Starts the Live emulator on a free loopback port with its demo credential, then: checks the
//! signer on the documentation's example, gets the documented example task, creates a task,
//! lists, stops it, gets it again, shows the recorded file of the finished example task, a
//! wrongly signed request refused and a call that survives injected faults by retrying; then
//! shuts the emulator down.

use std::process::ExitCode;
use std::time::Duration;

use live_api::{Credentials, LiveClient, StandardRetry};
use live_emulator::{
    Emulator, EmulatorConfig, FaultKind, FaultRule, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY,
    EXAMPLE_TASK_ID,
};
use live_model::PullRecordTask;
use volc_sign::{Scope, SignableRequest, Signer, SigningTime};

type DemoResult = Result<(), Box<dyn std::error::Error>>;

fn step(n: u32, title: &str) {
    println!("\n[{n}] {title}");
}

fn show(task: &PullRecordTask) {
    println!(
        "    {}  {} ({})  {}/{}/{}  stream {}  {} → {}",
        task.task_id,
        task.status.name(),
        task.status.text(),
        task.vhost,
        task.domain,
        task.app,
        task.stream.as_deref().unwrap_or("-"),
        if task.start_time.is_empty() {
            "-"
        } else {
            &task.start_time
        },
        if task.end_time.is_empty() {
            "-"
        } else {
            &task.end_time
        },
    )
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
    println!("volc-live demo: the Live pull-record-task API against the local emulator (no account, no network)");

    step(
        1,
        "The signer reproduces the signature published in Volcengine's documentation",
    );
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
    if signed.signature() != "28eeabbbd726b87002e0fe58ad8c1c768e619b06e2646f35b6ad7ed029a6d8a7" {
        return Err("the documentation example did not reproduce".into());
    }
    println!("    IAM ListUsers, 2020-12-30T08:18:05Z: the signature matches");

    step(2, "Start the emulator on a free loopback port");
    let emulator = Emulator::start(EmulatorConfig::new()).await?;
    println!(
        "    listening on {} (demo access key {DEMO_ACCESS_KEY_ID})",
        emulator.base_url()
    );
    let client = LiveClient::builder()
        .endpoint(emulator.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY)?)
        .retry(StandardRetry::default().initial_backoff(Duration::from_millis(20)))
        .build()?;

    step(3, "GetPullRecordTask: the documented example task");
    let got = client
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await?;
    show(&got.task);
    println!("    request id {}", got.request_id());

    step(4, "CreatePullRecordTask: record a stream from now on");
    let created = client
        .create_pull_record_task()
        .vhost("example.com")
        .domain("pull.example.com")
        .app("live")
        .stream("demo_stream")
        .stream_url("http://pull.example.com/live/demo_stream.flv")
        .send()
        .await?;
    println!(
        "    created task {} (request id {})",
        created.task_id,
        created.request_id()
    );

    step(5, "ListPullRecordTask: every task, page by page");
    let mut tasks = client.list_pull_record_tasks().page_size(1).tasks();
    let mut count = 0;
    while let Some(task) = tasks.next().await {
        show(&task?);
        count += 1;
    }
    println!("    {count} tasks");

    step(6, "StopPullRecordTask, then GetPullRecordTask again");
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
    let files = client.record_files_of(&got.task).all().await?;
    let Some(file) = files.first() else {
        return Err("the finished example task has no recorded file".into());
    };
    println!(
        "    {}  {} → {}  duration {}  {}  {}",
        file.file_name,
        file.start_time,
        file.end_time,
        file.duration,
        file.format,
        file.location().map(|l| l.to_string()).unwrap_or_default()
    );

    step(8, "A wrongly signed request is refused");
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
            println!("    refused: {e}");
        }
        Err(e) => return Err(format!("refused, but not for the signature: {e}").into()),
        Ok(_) => return Err("a wrongly signed request was accepted".into()),
    }

    step(9, "A call survives injected faults by retrying");
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
    println!("    injected: an HTML 502 from the gateway, then InternalError (HTTP 500)");
    let survived = client
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await?;
    if !emulator.faults().is_empty() {
        return Err("the faults were not all used".into());
    }
    println!(
        "    third attempt answered: {} is {} (request id {})",
        survived.task.task_id,
        survived.task.status.name(),
        survived.request_id()
    );

    step(10, "Shut the emulator down");
    emulator.shutdown().await;
    println!("    stopped");
    Ok(())
}
