//! The relevance table: on a fixed catalog, each query must find certain products in its top 5
//! and must not find others — Chinese, pinyin (full, initials, spaced), English with typos and
//! stems, mixed Chinese-English, synonyms, heteronyms, and voice transcripts heard wrong.

use bazaar_tests::{Backend, TestApp, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(the_relevance_table_holds, voice_search_forgives_homophones);

/// (query, must be in the top 5, must not appear at all)
const TABLE: &[(&str, &[&str], &[&str])] = &[
    ("手机", &["huawei", "iphone", "xiaomi"], &["nike", "watch", "tshirt"]),
    ("shouji", &["huawei", "iphone", "xiaomi"], &["watch", "jewelry"]),
    ("sj", &["huawei", "iphone", "xiaomi"], &["watch", "nike"]),
    ("shou ji", &["huawei", "iphone", "xiaomi"], &["watch"]),
    ("iphone 手机壳", &["case"], &["huawei", "xiaomi"]),
    ("华为mate60", &["huawei"], &["iphone", "xiaomi"]),
    ("iphnoe", &["iphone", "case"], &["huawei"]),
    ("Running Shoe", &["nike"], &["tshirt"]),
    ("跑步鞋", &["nike"], &["watch"]),
    ("充电宝", &["anker", "romoss"], &["huawei"]),
    ("power bank", &["anker", "romoss"], &["case"]),
    ("移动电源", &["anker", "romoss"], &[]),
    ("hw", &["huawei"], &["iphone"]),
    ("huawei", &["huawei"], &["xiaomi"]),
    ("yinhang", &["cardholder"], &["hotpot"]),
    ("chongqing", &["hotpot"], &["cardholder"]),
    ("huoguo", &["hotpot"], &[]),
    ("蓝牙耳机", &["earphones"], &["huawei"]),
    ("earphones", &["earphones"], &[]),
    ("T恤", &["tshirt"], &["nike"]),
    ("徕卡", &["xiaomi"], &["huawei"]),
];

async fn the_relevance_table_holds(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let catalog = app.search_catalog().await;
    let mut failures = Vec::new();
    for (query, top, absent) in TABLE {
        let hits = app.hits(query).await;
        let names: Vec<&str> = hits.iter().map(|id| catalog.key(*id)).collect();
        for wanted in *top {
            if !hits.iter().take(5).any(|id| *id == catalog.id(wanted)) {
                failures.push(format!("{query:?}: {wanted} not in the top 5 of {names:?}"));
            }
        }
        for unwanted in *absent {
            if hits.contains(&catalog.id(unwanted)) {
                failures.push(format!("{query:?}: {unwanted} should not appear in {names:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "relevance table:\n{}", failures.join("\n"));
}

async fn voice_search_forgives_homophones(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let catalog = app.search_catalog().await;
    let phones = [catalog.id("huawei"), catalog.id("iphone"), catalog.id("xiaomi")];
    for transcript in ["手机", "手记", "首饰", "我想买手机"] {
        let page: Value =
            app.post_json("/api/v1/search/voice", &json!({ "transcript": transcript })).await.json().await.unwrap();
        let top: Vec<i64> =
            page["items"].as_array().unwrap().iter().take(5).map(|i| i["id"].as_i64().unwrap()).collect();
        let names: Vec<&str> = top.iter().map(|id| catalog.key(*id)).collect();
        let found = phones.iter().filter(|p| top.contains(p)).count();
        assert!(found >= 2, "voice {transcript:?}: phones should lead, got {names:?}");
        assert!(!top.contains(&catalog.id("nike")), "voice {transcript:?}: {names:?}");
    }
    let empty = app.post_json("/api/v1/search/voice", &json!({ "transcript": "的 了" })).await;
    assert_eq!(empty.status(), 400);
}
