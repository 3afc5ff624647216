// Drives a broker with Iggy's official Rust SDK and prints one JSON summary on stdout,
// so the TypeScript interop tests can compare what the official client saw with ours.
//
// usage: iggy-sdk-probe <host:port> <send|poll|send-poll|groups> --stream S --topic T --count N
//        [--partitions P] [--batch B] [--dump] [--username U] [--password P]
use bytes::Bytes;
use iggy::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::str::FromStr;

struct Args {
    address: String,
    mode: String,
    stream: String,
    topic: String,
    count: u32,
    partitions: u32,
    batch: u32,
    dump: bool,
    username: String,
    password: String,
}

fn parse_args() -> Result<Args, String> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.len() < 2 {
        return Err("usage: iggy-sdk-probe <host:port> <send|poll|send-poll|groups> --stream S --topic T --count N".into());
    }
    let mut args = Args {
        address: raw[0].clone(),
        mode: raw[1].clone(),
        stream: "interop".into(),
        topic: "events".into(),
        count: 10,
        partitions: 1,
        batch: 1000,
        dump: false,
        username: DEFAULT_ROOT_USERNAME.into(),
        password: DEFAULT_ROOT_PASSWORD.into(),
    };
    let mut i = 2;
    while i < raw.len() {
        let flag = raw[i].as_str();
        if flag == "--dump" {
            args.dump = true;
            i += 1;
            continue;
        }
        let value = raw.get(i + 1).ok_or_else(|| format!("{flag} needs a value"))?.clone();
        let number = || value.parse::<u32>().map_err(|e| format!("{flag}: {e}"));
        match flag {
            "--stream" => args.stream = value.clone(),
            "--topic" => args.topic = value.clone(),
            "--count" => args.count = number()?,
            "--partitions" => args.partitions = number()?,
            "--batch" => args.batch = number()?.max(1),
            "--username" => args.username = value.clone(),
            "--password" => args.password = value.clone(),
            _ => return Err(format!("unknown flag {flag}")),
        }
        i += 2;
    }
    Ok(args)
}

/// Message i as every interop test expects it: id 1000+i, text payload, two headers.
fn message(i: u32) -> Result<IggyMessage, IggyError> {
    let headers = BTreeMap::from([
        (HeaderKey::from_str("index")?, HeaderValue::from(i)),
        (HeaderKey::from_str("source")?, HeaderValue::from_str("rust-sdk")?),
    ]);
    IggyMessage::builder()
        .id(1000 + u128::from(i))
        .payload(Bytes::from(format!("sdk-message-{i}")))
        .user_headers(headers)
        .build()
}

fn describe(m: &IggyMessage) -> Value {
    let mut headers = Map::new();
    if let Ok(Some(map)) = m.user_headers_map() {
        for (k, v) in map {
            headers.insert(k.to_string_value(), json!({ "kind": v.kind().to_string(), "value": v.to_string_value() }));
        }
    }
    json!({
        "offset": m.header.offset,
        "id": m.header.id.to_string(),
        "payload": String::from_utf8_lossy(&m.payload),
        "headers": headers,
        "checksum": m.header.checksum.to_string(),
    })
}

async fn ensure_topic(client: &IggyClient, args: &Args) -> Result<(u32, u32), IggyError> {
    let stream_id = Identifier::named(&args.stream)?;
    let stream = match client.get_stream(&stream_id).await? {
        Some(s) => s.id,
        None => client.create_stream(&args.stream).await?.id,
    };
    let topic_id = Identifier::named(&args.topic)?;
    let topic = match client.get_topic(&stream_id, &topic_id).await? {
        Some(t) => t.id,
        None => {
            let options = TopicCreateOptions { partitions_count: Some(args.partitions), ..Default::default() };
            client.create_topic(&stream_id, &args.topic, &options).await?.id
        }
    };
    Ok((stream, topic))
}

async fn send(client: &IggyClient, args: &Args) -> Result<u32, IggyError> {
    let stream_id = Identifier::named(&args.stream)?;
    let topic_id = Identifier::named(&args.topic)?;
    let mut sent = 0;
    while sent < args.count {
        let n = args.batch.min(args.count - sent);
        let mut batch = (sent..sent + n).map(message).collect::<Result<Vec<_>, _>>()?;
        client.send_messages(&stream_id, &topic_id, &Partitioning::partition_id(0), &mut batch).await?;
        sent += n;
    }
    Ok(sent)
}

async fn poll(client: &IggyClient, args: &Args) -> Result<Value, IggyError> {
    let stream_id = Identifier::named(&args.stream)?;
    let topic_id = Identifier::named(&args.topic)?;
    let consumer = Consumer::new(Identifier::numeric(1)?);
    let mut next = 0u64;
    let mut polled = 0u32;
    let mut empty_polls = 0;
    let mut dumped = Vec::new();
    let (mut ids_ok, mut payloads_ok, mut headers_ok) = (true, true, true);
    let mut current_offset = 0;
    while polled < args.count && empty_polls < 3 {
        let want = args.batch.min(args.count - polled);
        let reply = client
            .poll_messages(&stream_id, &topic_id, Some(0), &consumer, &PollingStrategy::offset(next), want, false)
            .await?;
        current_offset = reply.current_offset;
        if reply.messages.is_empty() {
            empty_polls += 1;
            continue;
        }
        for m in &reply.messages {
            let i = polled;
            if m.header.offset != u64::from(i) {
                ids_ok = false;
            }
            // Messages written by this probe have a known shape; check it when they are ours.
            if args.mode == "send-poll" {
                let expected = message(i)?;
                ids_ok &= m.header.id == expected.header.id;
                payloads_ok &= m.payload == expected.payload;
                headers_ok &= m.user_headers_map()? == expected.user_headers_map()?;
            }
            if args.dump {
                dumped.push(describe(m));
            }
            polled += 1;
        }
        next = reply.messages.last().map(|m| m.header.offset + 1).unwrap_or(next);
    }
    let mut summary = json!({
        "polled": polled,
        "current_offset": current_offset,
        "offsets_in_order": ids_ok || args.mode != "send-poll",
        "ids_ok": ids_ok,
        "payloads_ok": payloads_ok,
        "headers_ok": headers_ok,
    });
    if args.dump {
        summary["messages"] = Value::Array(dumped);
    }
    Ok(summary)
}

/// Balanced sends, consumer offsets and a consumer group, the way a connector uses them:
/// `count` messages sent balanced over the topic's partitions, an offset stored and read back,
/// then the group joined and polled (partition chosen by the SDK from its assignment) until empty.
async fn groups(client: &IggyClient, args: &Args) -> Result<Value, IggyError> {
    let stream_id = Identifier::named(&args.stream)?;
    let topic_id = Identifier::named(&args.topic)?;
    for i in 0..args.count {
        let mut one = vec![message(i)?];
        client.send_messages(&stream_id, &topic_id, &Partitioning::balanced(), &mut one).await?;
    }
    let mut per_partition = Vec::new();
    let plain = Consumer::new(Identifier::named("probe-consumer")?);
    for p in 0..args.partitions {
        let polled = client
            .poll_messages(&stream_id, &topic_id, Some(p), &plain, &PollingStrategy::first(), 1000, false)
            .await?;
        per_partition.push(polled.messages.len());
    }
    client.store_consumer_offset(&plain, &stream_id, &topic_id, Some(0), 0).await?;
    let stored = client.get_consumer_offset(&plain, &stream_id, &topic_id, Some(0)).await?;
    let next = client
        .poll_messages(&stream_id, &topic_id, Some(0), &plain, &PollingStrategy::next(), 1000, false)
        .await?;

    let group_id = Identifier::named("probe-group")?;
    if client.get_consumer_group(&stream_id, &topic_id, &group_id).await?.is_none() {
        client.create_consumer_group(&stream_id, &topic_id, "probe-group").await?;
    }
    client.join_consumer_group(&stream_id, &topic_id, &group_id).await?;
    let details = client.get_consumer_group(&stream_id, &topic_id, &group_id).await?;
    let group = Consumer::group(group_id.clone());
    let mut group_polled = 0usize;
    let mut group_partitions = Vec::new();
    let mut empty = 0;
    while empty < args.partitions.max(1) * 2 {
        let polled = client
            .poll_messages(&stream_id, &topic_id, None, &group, &PollingStrategy::next(), 1000, true)
            .await?;
        if polled.messages.is_empty() {
            empty += 1;
            continue;
        }
        group_partitions.push(polled.partition_id);
        group_polled += polled.messages.len();
    }
    let stored_group = client.get_consumer_offset(&group, &stream_id, &topic_id, Some(0)).await?;
    client.leave_consumer_group(&stream_id, &topic_id, &group_id).await?;
    Ok(json!({
        "per_partition": per_partition,
        "stored_offset": stored.map(|o| o.stored_offset),
        "next_after_store_first_offset": next.messages.first().map(|m| m.header.offset),
        "next_after_store_count": next.messages.len(),
        "group_members": details.as_ref().map(|d| d.members_count),
        "group_member_partitions": details.map(|d| d.members.iter().map(|m| m.partitions.clone()).collect::<Vec<_>>()),
        "group_polled": group_polled,
        "group_partitions": group_partitions,
        "group_stored_offset_p0": stored_group.map(|o| o.stored_offset),
    }))
}

async fn run(args: &Args) -> Result<Value, IggyError> {
    let client = IggyClient::builder().with_tcp().with_server_address(args.address.clone()).build()?;
    client.connect().await?;
    let identity = client.login_user(&args.username, &args.password).await?;
    let (stream_id, topic_id) = ensure_topic(&client, args).await?;
    let mut out = json!({ "ok": true, "user_id": identity.user_id, "stream_id": stream_id, "topic_id": topic_id });
    if args.mode == "send" || args.mode == "send-poll" {
        out["sent"] = json!(send(&client, args).await?);
    }
    if args.mode == "poll" || args.mode == "send-poll" {
        out["poll"] = poll(&client, args).await?;
    }
    if args.mode == "groups" {
        out["groups"] = groups(&client, args).await?;
    }
    let _ = client.logout_user().await;
    Ok(out)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            println!("{}", json!({ "ok": false, "code": error.as_code(), "error": error.to_string() }));
            ExitCode::FAILURE
        }
    }
}
