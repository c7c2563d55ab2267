//! A loop over one verification case, for `valgrind --tool=callgrind` or `perf record`:
//! instruction counts do not depend on what else the machine runs.
//!
//! ```sh
//! cargo build --release -j2 --bin profile
//! valgrind --tool=callgrind --callgrind-out-file=cg.pipeline target/release/profile pipeline 20000
//! callgrind_annotate --inclusive=yes cg.pipeline | head -60
//! ```
//!
//! `profile interleave [rounds]` instead times every case in turn, round after round, and
//! prints the fastest round of each (the one least disturbed by other processes) and the ratios:
//! on a shared machine the cases then see the same load, unlike criterion's one-after-another.
//!
//! Cases: `bare` (jsonwebtoken::decode, typed), `bare_value`, `hand_header`, `decode_token`,
//! `pipeline`, `pipeline_user`, `create`, `bare_encode`; suffix `_rs256` for RS256
//! (`bare_rs256`, `decode_token_rs256`, `pipeline_rs256`, `create_rs256`, `bare_encode_rs256`).

use std::hint::black_box;

use actix_jwt_extended::{verify_jwt_in_request, JwtManager, VerifyOptions};
use actix_jwt_extended_benches::{
    access_token, hs256_manager, hs256_user_manager, poll_ready, rs256_cached_manager,
    rs256_manager, HandSigner, HandVerifier, TOKEN_LIFETIME,
};
use actix_web::dev::Payload;
use actix_web::test::TestRequest;

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "pipeline".to_owned());
    let iterations: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    // The revocation store's check runs under `tokio::time::timeout`: enter a runtime with a
    // timer (the store answers at once, so every future is ready when first polled).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let _entered = runtime.enter();
    if case == "interleave" {
        interleave(if iterations == 10_000 {
            200
        } else {
            iterations
        });
        return;
    }
    run(&case, iterations);
}

/// Every case, `rounds` times in turn; the fastest round of each, in ns per operation.
fn interleave(rounds: u64) {
    const CASES: [(&str, u64); 13] = [
        ("bare", 2000),
        ("bare_value", 2000),
        ("hand_header", 2000),
        ("decode_token", 2000),
        ("pipeline", 2000),
        ("pipeline_user", 2000),
        ("bare_encode", 2000),
        ("create", 2000),
        ("bare_rs256", 200),
        ("hand_header_rs256", 200),
        ("decode_token_rs256", 200),
        ("pipeline_rs256", 200),
        ("pipeline_cached_rs256", 2000),
    ];
    let fixtures: Vec<Fixture> = CASES.iter().map(|(case, _)| Fixture::new(case)).collect();
    let mut best = [f64::INFINITY; CASES.len()];
    for _ in 0..rounds {
        for (i, (case, n)) in CASES.iter().enumerate() {
            let start = std::time::Instant::now();
            for _ in 0..*n {
                fixtures[i].step(case);
            }
            best[i] = best[i].min(start.elapsed().as_nanos() as f64 / *n as f64);
        }
    }
    let get = |name: &str| best[CASES.iter().position(|(c, _)| *c == name).expect("case")];
    println!("| case | fastest round, ns/op |");
    println!("|---|---:|");
    for ((case, _), ns) in CASES.iter().zip(best) {
        println!("| {case} | {ns:.0} |");
    }
    println!();
    println!("| ratio (fastest rounds) | value |");
    println!("|---|---:|");
    for (a, b) in [
        ("pipeline", "bare"),
        ("pipeline", "hand_header"),
        ("decode_token", "bare"),
        ("pipeline", "bare_value"),
        ("pipeline_user", "pipeline"),
        ("create", "bare_encode"),
        ("pipeline_rs256", "bare_rs256"),
        ("pipeline_rs256", "hand_header_rs256"),
        ("pipeline_cached_rs256", "pipeline"),
        ("decode_token_rs256", "bare_rs256"),
    ] {
        println!("| {a} ÷ {b} | {:.2} |", get(a) / get(b));
    }
}

/// What the cases need, built once per algorithm (and per user setup) outside the timing.
struct Fixture {
    jwt: JwtManager,
    hand: HandVerifier,
    signer: HandSigner,
    token: String,
    req: actix_web::HttpRequest,
}

impl Fixture {
    fn new(case: &str) -> Self {
        let rs256 = case.ends_with("_rs256");
        let jwt = if case.starts_with("pipeline_user") {
            hs256_user_manager().0
        } else if case.starts_with("pipeline_cached") {
            rs256_cached_manager()
        } else if rs256 {
            rs256_manager()
        } else {
            hs256_manager()
        };
        let (hand, signer) = if rs256 {
            (HandVerifier::rs256(), HandSigner::rs256())
        } else {
            (HandVerifier::hs256(), HandSigner::hs256())
        };
        let token = access_token(&jwt);
        let (req, _) = TestRequest::default()
            .insert_header(("Authorization", format!("Bearer {token}")))
            .app_data(jwt.clone())
            .to_http_parts();
        Self {
            jwt,
            hand,
            signer,
            token,
            req,
        }
    }

    /// One operation of `case`.
    fn step(&self, case: &str) {
        let (jwt, hand, token, req) = (&self.jwt, &self.hand, &self.token, &self.req);
        match case.trim_end_matches("_rs256") {
            "bare" => {
                black_box(hand.verify(black_box(token)).expect("valid"));
            }
            "bare_value" => {
                black_box(
                    jsonwebtoken::decode::<serde_json::Value>(
                        black_box(token),
                        &hand.key,
                        &hand.validation,
                    )
                    .expect("valid"),
                );
            }
            "hand_header" => {
                let value = req.headers().get("Authorization").map(|v| v.as_bytes());
                black_box(hand.verify_header(black_box(value)).expect("valid"));
            }
            "decode_token" => {
                black_box(jwt.decode_token(black_box(token), false).expect("valid"));
            }
            "pipeline" | "pipeline_user" | "pipeline_cached" => {
                // A new request each time: no verification shared from the last one.
                actix_web::HttpMessage::extensions_mut(req).clear();
                black_box(
                    poll_ready(verify_jwt_in_request(
                        black_box(req),
                        &mut Payload::None,
                        VerifyOptions::new(),
                    ))
                    .expect("valid"),
                );
            }
            "create" => {
                black_box(
                    jwt.create_access_token(black_box("bench-user"))
                        .expires_in(TOKEN_LIFETIME)
                        .finish()
                        .expect("token"),
                );
            }
            "bare_encode" => {
                black_box(self.signer.sign(black_box("bench-user")));
            }
            other => {
                eprintln!("unknown case `{other}`");
                std::process::exit(2);
            }
        }
    }
}

/// Runs `case` `iterations` times.
fn run(case: &str, iterations: u64) {
    let fixture = Fixture::new(case);
    for _ in 0..iterations {
        fixture.step(case);
    }
}
