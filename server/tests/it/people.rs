//! People, roles, read state, mentions and notification settings (PRODUCT.md §2 "People,
//! roles, read state, mentions, presence and notification settings").

use serde_json::{Value, json};

use crate::{
    conversations::{member_roles, role, sorted, three},
    fixture::{TestServer, TestUser, Ws, id_of, new_client_id, types},
};

fn member<'a>(conversation: &'a Value, user: &TestUser) -> &'a Value {
    conversation["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["user_id"] == user.id.as_str())
        .unwrap_or_else(|| panic!("{} is not in {conversation}", user.username))
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("an array: {list}"))
        .iter()
        .map(|v| v.as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn members_carry_their_read_markers() {
    let s = TestServer::start().await;
    let (alice, bob, _) = three(&s).await;
    let conv = s.group(&alice, "Crew", &[&bob]).await;
    for i in 0..3 {
        s.send(&alice, &conv, &format!("m{i}")).await;
    }
    let path = format!("/api/v1/conversations/{conv}/read");
    s.post(&path)
        .auth(&bob)
        .json(&json!({"seq": 2}))
        .send()
        .await
        .expect(204, "bob reads up to 2");
    let seen_by_alice = s.conversation(&alice, &conv).await;
    assert_eq!(
        member(&seen_by_alice, &bob)["last_read_seq"],
        2,
        "{seen_by_alice}"
    );
    assert_eq!(member(&seen_by_alice, &alice)["last_read_seq"], 0);
}

#[tokio::test]
async fn admins_change_roles_and_a_group_keeps_an_admin() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    let conv = s.group(&alice, "Crew", &[&bob, &carol]).await;
    let path = |user: &TestUser| format!("/api/v1/conversations/{conv}/members/{}", user.id);

    s.patch(&path(&carol))
        .auth(&bob)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .expect(403, "a member may not hand out roles");
    s.patch(&path(&alice))
        .auth(&alice)
        .json(&json!({"role": "member"}))
        .send()
        .await
        .expect(409, "the only admin may not step down");
    s.patch(&path(&bob))
        .auth(&alice)
        .json(&json!({"role": "owner"}))
        .send()
        .await
        .expect(400, "an unknown role");

    let promoted = s
        .patch(&path(&bob))
        .auth(&alice)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .expect(200, "an admin makes bob admin");
    assert_eq!(
        member_roles(&promoted),
        sorted(vec![
            role(&alice, "admin"),
            role(&bob, "admin"),
            role(&carol, "member")
        ])
    );
    let (events, _) = s.sync_all(&carol, None, 100).await;
    let updated = events
        .iter()
        .rev()
        .find(|e| e["type"] == "conversation.updated")
        .expect("carol hears of the role change");
    assert_eq!(member(&updated["data"], &bob)["role"], "admin");

    let stepped_down = s
        .patch(&path(&alice))
        .auth(&alice)
        .json(&json!({"role": "member"}))
        .send()
        .await
        .expect(200, "with another admin, alice may step down");
    assert_eq!(member(&stepped_down, &alice)["role"], "member");
    s.patch(&path(&bob))
        .auth(&alice)
        .json(&json!({"role": "member"}))
        .send()
        .await
        .expect(403, "alice is no admin any more");

    let stranger = s.register("dave").await;
    s.patch(&path(&stranger))
        .auth(&bob)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .expect(404, "not a member");
    let direct = s.direct(&alice, &bob).await;
    s.patch(&format!(
        "/api/v1/conversations/{direct}/members/{}",
        bob.id
    ))
    .auth(&alice)
    .json(&json!({"role": "admin"}))
    .send()
    .await
    .expect(400, "direct conversations have no roles to change");
}

#[tokio::test]
async fn settings_are_personal_and_reach_only_the_callers_devices() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    let conv = s.group(&alice, "Crew", &[&bob]).await;
    let other = s.group(&bob, "Elsewhere", &[&alice]).await;
    let laptop = s.login("alice", &alice.password).await;
    let mut laptop_ws = s.ws(&laptop, None).await;
    let (_, bob_cursor) = s.sync_all(&bob, None, 100).await;
    let first_for_bob = |list: &Value| id_of(&list["conversations"][0]);
    let bob_list = s.get("/api/v1/conversations").auth(&bob).send().await;
    let bob_list = bob_list.expect(200, "bob's list");
    assert_eq!(first_for_bob(&bob_list), other, "bob's newest is Elsewhere");

    let path = format!("/api/v1/conversations/{conv}/settings");
    let fresh = s.conversation(&alice, &conv).await;
    assert_eq!(fresh["notify"], "all", "the default: {fresh}");
    assert_eq!(fresh["muted_until"], Value::Null);
    let until = "2031-01-02T03:04:05Z";
    let muted = s
        .put(&path)
        .auth(&alice)
        .json(&json!({"notify": "mentions", "muted_until": until}))
        .send()
        .await
        .expect(200, "alice mutes the group");
    assert_eq!(muted["notify"], "mentions");
    assert_eq!(muted["muted_until"], until);
    assert_eq!(s.conversation(&alice, &conv).await["notify"], "mentions");
    let for_bob = s.conversation(&bob, &conv).await;
    assert_eq!(
        (&for_bob["notify"], &for_bob["muted_until"]),
        (&json!("all"), &Value::Null),
        "alice's settings are not bob's"
    );

    let event = laptop_ws.next_of("event").await["event"].clone();
    assert_eq!(event["type"], "settings.updated", "{event}");
    assert_eq!(event["conversation_id"], conv.as_str());
    assert_eq!(
        event["data"],
        json!({"notify": "mentions", "muted_until": until})
    );
    let (alice_events, _) = s.sync_all(&alice, None, 100).await;
    assert!(types(&alice_events).contains(&"settings.updated".to_owned()));
    let (bob_events, _) = s.sync_all(&bob, Some(&bob_cursor), 100).await;
    assert!(
        !types(&bob_events).contains(&"settings.updated".to_owned()),
        "no one else sees it: {bob_events:?}"
    );
    let bob_list = s.get("/api/v1/conversations").auth(&bob).send().await;
    let bob_list = bob_list.expect(200, "bob's list");
    assert_eq!(
        first_for_bob(&bob_list),
        other,
        "someone's settings don't move a conversation up the others' lists"
    );

    s.put(&path)
        .auth(&alice)
        .json(&json!({"notify": "sometimes", "muted_until": null}))
        .send()
        .await
        .expect(400, "an unknown notify value");
    s.put(&path)
        .auth(&carol)
        .json(&json!({"notify": "none", "muted_until": null}))
        .send()
        .await
        .expect(404, "not a member");
    let unmuted = s
        .put(&path)
        .auth(&alice)
        .json(&json!({"notify": "all", "muted_until": null}))
        .send()
        .await
        .expect(200, "unmuting");
    assert_eq!(unmuted["muted_until"], Value::Null);
}

#[tokio::test]
async fn marking_unread_is_personal_and_never_moves_the_read_marker() {
    let s = TestServer::start().await;
    let (alice, bob, _) = three(&s).await;
    let conv = s.group(&alice, "Crew", &[&bob]).await;
    let seq = s.send(&bob, &conv, "hello").await["seq"].as_i64().unwrap();
    s.post(&format!("/api/v1/conversations/{conv}/read"))
        .auth(&alice)
        .json(&json!({"seq": seq}))
        .send()
        .await
        .expect(204, "alice reads");
    let fresh = s.conversation(&alice, &conv).await;
    assert_eq!(fresh["marked_unread"], false, "{fresh}");
    let laptop = s.login("alice", &alice.password).await;
    let mut laptop_ws = s.ws(&laptop, None).await;

    let path = format!("/api/v1/conversations/{conv}/settings");
    let marked = s
        .put(&path)
        .auth(&alice)
        .json(&json!({"notify": "all", "muted_until": null, "marked_unread": true}))
        .send()
        .await
        .expect(200, "alice marks it unread");
    assert_eq!(marked["marked_unread"], true);
    assert_eq!(marked["last_read_seq"], seq, "the marker stays");
    assert_eq!(marked["unread_count"], 0, "nothing new to count");
    assert_eq!(
        s.conversation(&bob, &conv).await["marked_unread"],
        false,
        "not bob's"
    );
    let event = laptop_ws.next_of("event").await["event"].clone();
    assert_eq!(event["type"], "settings.updated", "{event}");
    assert_eq!(
        event["data"],
        json!({"notify": "all", "muted_until": null, "marked_unread": true})
    );

    let cleared = s
        .put(&path)
        .auth(&alice)
        .json(&json!({"notify": "all", "muted_until": null}))
        .send()
        .await
        .expect(200, "absent means not marked");
    assert_eq!(cleared["marked_unread"], false);
    let event = laptop_ws.next_of("event").await["event"].clone();
    assert_eq!(
        event["data"],
        json!({"notify": "all", "muted_until": null}),
        "the contract's two fields when not marked"
    );
}

#[tokio::test]
async fn mentions_name_members_and_count_until_read() {
    let s = TestServer::start().await;
    // Carol exists but is not in the group: naming her records nothing.
    let (alice, bob, _carol) = three(&s).await;
    let conv = s.group(&alice, "Crew", &[&bob]).await;
    let sent = s
        .send(
            &alice,
            &conv,
            "@Bob look, and @carol too (mail bob@example.org, @nobody)",
        )
        .await;
    assert_eq!(
        ids(&sent["mentions"]),
        vec![bob.id.clone()],
        "members only, by username, case-insensitive: {sent}"
    );
    let punctuated = s.send(&alice, &conv, "thanks @bob.").await;
    assert_eq!(ids(&punctuated["mentions"]), vec![bob.id.clone()]);
    s.send(&bob, &conv, "@bob talking to myself").await;
    s.send(&alice, &conv, "no one named").await;

    let for_bob = s.conversation(&bob, &conv).await;
    assert_eq!(for_bob["unread_count"], 3, "{for_bob}");
    assert_eq!(
        for_bob["mention_count"], 2,
        "others' unread messages naming bob: {for_bob}"
    );
    assert_eq!(s.conversation(&alice, &conv).await["mention_count"], 0);

    // An edit is read again; a deleted message counts no more.
    let path = format!("/api/v1/conversations/{conv}/messages/{}", id_of(&sent));
    let edited = s
        .patch(&path)
        .auth(&alice)
        .json(&json!({"body": "never mind"}))
        .send()
        .await
        .expect(200, "editing away the mention");
    assert_eq!(edited["mentions"], json!([]));
    assert_eq!(s.conversation(&bob, &conv).await["mention_count"], 1);
    let path = format!(
        "/api/v1/conversations/{conv}/messages/{}",
        id_of(&punctuated)
    );
    s.delete(&path)
        .auth(&alice)
        .send()
        .await
        .expect(204, "deleting the other");
    assert_eq!(s.conversation(&bob, &conv).await["mention_count"], 0);

    // Read past a mention: it no longer counts.
    let again = s.send(&alice, &conv, "@bob one more").await;
    assert_eq!(s.conversation(&bob, &conv).await["mention_count"], 1);
    let read = format!("/api/v1/conversations/{conv}/read");
    s.post(&read)
        .auth(&bob)
        .json(&json!({"seq": again["seq"]}))
        .send()
        .await
        .expect(204, "bob reads");
    assert_eq!(s.conversation(&bob, &conv).await["mention_count"], 0);

    // Over the WebSocket too, and in the events.
    let mut ws = s.ws(&alice, None).await;
    ws.send(json!({"type": "send", "conversation_id": conv, "client_id": new_client_id(), "body": "@bob via socket"}))
        .await;
    let ack = ws.next_of("ack").await;
    assert_eq!(ids(&ack["message"]["mentions"]), vec![bob.id.clone()]);
    let (events, _) = s.sync_all(&bob, None, 100).await;
    let created = events
        .iter()
        .rev()
        .find(|e| e["type"] == "message.created")
        .expect("the socket's message");
    assert_eq!(ids(&created["data"]["mentions"]), vec![bob.id.clone()]);
}

/// Reads frames up to the next `typing` (the test's marker) and checks none was a `presence`
/// about `about`.
async fn assert_no_presence_before_typing(ws: &mut Ws, about: &TestUser, why: &str) {
    loop {
        let frame = ws.next().await;
        assert!(
            frame["type"] != "presence" || frame["user_id"] != about.id.as_str(),
            "{why}: {frame}"
        );
        if frame["type"] == "typing" {
            return;
        }
    }
}

#[tokio::test]
async fn presence_follows_sockets_and_reaches_only_contacts() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    let conv = s.direct(&alice, &bob).await;
    let mut bob_ws = s.ws(&bob, None).await;
    let mut carol_ws = s.ws(&carol, None).await;

    let mut alice_ws = s.ws(&alice, None).await;
    let first = alice_ws.next().await;
    assert_eq!(
        (&first["type"], &first["user_id"], &first["online"]),
        (&json!("presence"), &json!(bob.id), &json!(true)),
        "right after ready: who of alice's contacts is online now: {first}"
    );
    let online = bob_ws.next_of("presence").await;
    assert_eq!(
        (&online["user_id"], &online["online"]),
        (&json!(alice.id), &json!(true)),
        "{online}"
    );

    // A second socket changes nothing; closing it neither.
    let second = s.ws(&alice, None).await;
    drop(second);
    alice_ws
        .send(json!({"type": "typing", "conversation_id": conv}))
        .await;
    assert_no_presence_before_typing(&mut bob_ws, &alice, "a second socket is no news").await;

    drop(alice_ws);
    let offline = bob_ws.next_of("presence").await;
    assert_eq!(
        (&offline["user_id"], &offline["online"]),
        (&json!(alice.id), &json!(false)),
        "{offline}"
    );
    let last_seen = offline["last_seen_at"].as_str().expect("a last seen time");
    let profile = s
        .get(&format!("/api/v1/users/{}", alice.id))
        .auth(&bob)
        .send()
        .await
        .expect(200, "alice's profile");
    assert_eq!(profile["last_seen_at"], last_seen, "{profile}");

    // Carol shares no conversation with alice: she heard nothing of it. (Her next frame is
    // the typing of the group made now.)
    let group = s.group(&carol, "Later", &[&bob]).await;
    let mut bob_again = s.ws(&bob, None).await;
    bob_again
        .send(json!({"type": "typing", "conversation_id": group}))
        .await;
    assert_no_presence_before_typing(&mut carol_ws, &alice, "carol shares nothing with alice")
        .await;
}

#[tokio::test]
async fn hidden_presence_is_never_shown() {
    let s = TestServer::start().await;
    let (alice, bob, _) = three(&s).await;
    let conv = s.direct(&alice, &bob).await;
    let mut bob_ws = s.ws(&bob, None).await;
    let alice_ws = s.ws(&alice, None).await;
    assert_eq!(bob_ws.next_of("presence").await["online"], true);
    drop(alice_ws);
    assert_eq!(bob_ws.next_of("presence").await["online"], false);

    let alice_ws = s.ws(&alice, None).await;
    assert_eq!(bob_ws.next_of("presence").await["online"], true);
    let me = s
        .patch("/api/v1/me")
        .auth(&alice)
        .json(&json!({"show_presence": false}))
        .send()
        .await
        .expect(200, "alice hides her presence");
    assert_eq!(me["show_presence"], false);
    assert_eq!(me["display_name"], "alice", "the rest stays");
    let hidden = bob_ws.next_of("presence").await;
    assert_eq!(
        (&hidden["online"], &hidden["last_seen_at"]),
        (&json!(false), &Value::Null),
        "hiding shows her offline at once, with no last seen time: {hidden}"
    );
    let profile = s
        .get(&format!("/api/v1/users/{}", alice.id))
        .auth(&bob)
        .send()
        .await
        .expect(200, "alice's profile");
    assert_eq!(profile["last_seen_at"], Value::Null, "{profile}");

    // Her sockets come and go unannounced, and a new socket of bob's doesn't list her.
    drop(alice_ws);
    let mut alice_ws = s.ws(&alice, None).await;
    let mut bob_second = s.ws(&bob, None).await;
    alice_ws
        .send(json!({"type": "typing", "conversation_id": conv}))
        .await;
    assert_no_presence_before_typing(&mut bob_ws, &alice, "nothing about hidden alice").await;
    assert_no_presence_before_typing(&mut bob_second, &alice, "not listed after ready").await;

    s.patch("/api/v1/me")
        .auth(&alice)
        .json(&json!({"show_presence": true}))
        .send()
        .await
        .expect(200, "alice shows her presence again");
    let shown = bob_ws.next_of("presence").await;
    assert_eq!(shown["online"], true, "{shown}");
}

#[tokio::test]
async fn new_contacts_learn_each_others_presence_at_once() {
    let s = TestServer::start().await;
    let (alice, bob, carol) = three(&s).await;
    let mut alice_ws = s.ws(&alice, None).await;
    let mut bob_ws = s.ws(&bob, None).await;
    let mut carol_ws = s.ws(&carol, None).await;

    s.direct(&alice, &bob).await;
    let about_alice = bob_ws.next_of("presence").await;
    assert_eq!(
        (&about_alice["user_id"], &about_alice["online"]),
        (&json!(alice.id), &json!(true)),
        "{about_alice}"
    );
    let about_bob = alice_ws.next_of("presence").await;
    assert_eq!(
        (&about_bob["user_id"], &about_bob["online"]),
        (&json!(bob.id), &json!(true)),
        "{about_bob}"
    );

    // Added to a group: carol and the others learn of each other too.
    let group = s.group(&alice, "Later", &[&bob]).await;
    s.post(&format!("/api/v1/conversations/{group}/members"))
        .auth(&alice)
        .json(&json!({"user_id": carol.id}))
        .send()
        .await
        .expect(200, "alice adds carol");
    let mut heard = std::collections::HashSet::new();
    while heard.len() < 2 {
        let frame = carol_ws.next_of("presence").await;
        assert_eq!(frame["online"], true, "{frame}");
        heard.insert(frame["user_id"].as_str().expect("user_id").to_owned());
    }
    assert_eq!(
        heard,
        [alice.id.clone(), bob.id.clone()].into_iter().collect()
    );
}
