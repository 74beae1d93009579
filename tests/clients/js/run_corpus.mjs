// Drives `pyic replica` with the real @dfinity/agent (3.4.3, from package-lock.json).
//
//   node run_corpus.mjs <config.json>
//
// config: {host, corpus_dir, root_key_hex, canisters: {counter_anon, counter_ed,
// counter_typed, greeter, universal} (ids as text), programs: {set_certified_data,
// get_certificate} (universal canister programs, hex), certified_data_hex}.  The agent fetches the root key from /api/v2/status
// (shouldFetchRootKey), verifies every certificate with it (BLS, the agent's
// own code) and checks the node signatures of query responses
// (verifyQuerySignatures is on by default; the script also asks for it).
//
// Two parts:
//  1. Typed calls through Actor with an IDL factory written from counter.did
//     and greeter.did, as anonymous and as an Ed25519 identity.
//  2. Every "call" step of counter/expected_calls.json and
//     greeter/expected_calls.json replayed with raw Candid bytes (arg_hex),
//     the reply compared byte for byte with reply_hex, rejects by code and
//     text.  The counter script runs twice on two canisters: once as the
//     anonymous identity, once as the Ed25519 identity.
//
// Prints one JSON object on stdout: {checks, failures: [...], principal}.
// Exit status 0 only if nothing failed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Actor, AnonymousIdentity, Certificate, HttpAgent, isV3ResponseBody,
  lookupResultToBuffer, pollForResponse, QueryResponseStatus,
} from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let checks = 0;
const failures = [];

function check(ok, what) {
  checks += 1;
  if (!ok) failures.push(what);
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

const counterIdl = ({ IDL }) => IDL.Service({
  add: IDL.Func([IDL.Nat], [IDL.Nat], []),
  get: IDL.Func([], [IDL.Nat], ['query']),
  inc: IDL.Func([], [], []),
  peekInc: IDL.Func([], [IDL.Nat], ['query']),
});
const greeterIdl = ({ IDL }) => IDL.Service({
  greet: IDL.Func([IDL.Text], [IDL.Text], ['query']),
  greetAll: IDL.Func([IDL.Vec(IDL.Text)], [IDL.Vec(IDL.Text)], ['query']),
  greetOpt: IDL.Func([IDL.Opt(IDL.Text)], [IDL.Text], ['query']),
});

async function makeAgent(identity) {
  return HttpAgent.create({
    host: config.host,
    identity,
    shouldFetchRootKey: true,
    verifyQuerySignatures: true,
  });
}

// An update call with raw argument bytes, as Actor does it: the synchronous
// v3 answer carries a certificate, verified here with the fetched root key;
// a 202 falls back to polling read_state (certificates verified there too).
async function rawUpdate(agent, canisterId, method, arg) {
  const cid = Principal.fromText(canisterId);
  const { requestId, response } = await agent.call(cid, {
    methodName: method, arg, effectiveCanisterId: cid,
  });
  if (isV3ResponseBody(response.body)) {
    const cert = await Certificate.create({
      certificate: response.body.certificate, rootKey: agent.rootKey, canisterId: cid,
    });
    const path = [new TextEncoder().encode('request_status'), requestId];
    const status = new TextDecoder().decode(lookupResultToBuffer(cert.lookup_path([...path, 'status'])));
    if (status === 'replied') {
      return { reply: lookupResultToBuffer(cert.lookup_path([...path, 'reply'])) };
    }
    return {
      reject_code: new Uint8Array(lookupResultToBuffer(cert.lookup_path([...path, 'reject_code'])))[0],
      reject_message: new TextDecoder().decode(lookupResultToBuffer(cert.lookup_path([...path, 'reject_message']))),
    };
  }
  if (response.status === 202) {
    try {
      const { reply } = await pollForResponse(agent, cid, requestId);
      return { reply };
    } catch (e) {
      return { reject_code: e.cause?.code?.rejectCode, reject_message: String(e.message) };
    }
  }
  // A refusal before execution (v2 body): {reject_code, reject_message}.
  return { reject_code: response.body.reject_code, reject_message: response.body.reject_message };
}

async function rawQuery(agent, canisterId, method, arg) {
  const cid = Principal.fromText(canisterId);
  const r = await agent.query(cid, { methodName: method, arg, effectiveCanisterId: cid });
  if (r.status === QueryResponseStatus.Replied) {
    check(Array.isArray(r.signatures) && r.signatures.length > 0,
      `query ${method}: response without node signatures`);
    return { reply: r.reply.arg };
  }
  return { reject_code: r.reject_code, reject_message: r.reject_message };
}

async function replay(agent, corpus, canisterId, label) {
  const script = JSON.parse(readFileSync(join(config.corpus_dir, corpus, 'expected_calls.json'), 'utf8'));
  for (const [i, step] of script.steps.entries()) {
    if (step.op !== 'call') continue;
    const what = `${label} step ${i} ${step.kind} ${step.method}${step.arg_candid_text}`;
    const expect = step.expect_by_build?.eop ?? step.expect;
    const arg = unhex(step.arg_hex ?? '');
    let got;
    try {
      got = step.kind === 'query'
        ? await rawQuery(agent, canisterId, step.method, arg)
        : await rawUpdate(agent, canisterId, step.method, arg);
    } catch (e) {
      check(false, `${what}: ${e}`);
      continue;
    }
    if ('reply_hex' in expect) {
      check(got.reply !== undefined && hex(got.reply) === expect.reply_hex,
        `${what}: expected reply ${expect.reply_hex}, got ${JSON.stringify(got.reply ? hex(got.reply) : got)}`);
    } else if ('reject_code' in expect) {
      check(got.reject_code === expect.reject_code && String(got.reject_message).includes(expect.message_contains),
        `${what}: expected reject ${expect.reject_code} "${expect.message_contains}", got ${JSON.stringify(got.reply ? hex(got.reply) : got)}`);
    } else {
      check(false, `${what}: unknown expectation ${JSON.stringify(expect)}`);
    }
  }
}

async function typed(agent, label) {
  const counter = Actor.createActor(counterIdl, { agent, canisterId: config.canisters.counter_typed });
  const greeter = Actor.createActor(greeterIdl, { agent, canisterId: config.canisters.greeter });
  const before = await counter.get();
  await counter.inc();
  check(await counter.get() === before + 1n, `${label}: get after inc`);
  const big = 2n ** 70n;
  check(await counter.add(big) === before + 1n + big, `${label}: add(2^70)`);
  check(await counter.peekInc() === before + 2n + big, `${label}: peekInc`);
  check(await counter.get() === before + 1n + big, `${label}: peekInc's change discarded`);
  check(await greeter.greet('Lisa') === 'Hello, Lisa!', `${label}: greet`);
  check(JSON.stringify(await greeter.greetAll(['a', 'ü'])) === JSON.stringify(['Hello, a!', 'Hello, ü!']),
    `${label}: greetAll`);
  check(await greeter.greetOpt([]) === 'Hello, stranger!', `${label}: greetOpt(null)`);
  let rejected = null;
  try {
    await Actor.createActor(({ IDL }) => IDL.Service({ nope: IDL.Func([], [], []) }),
      { agent, canisterId: config.canisters.greeter }).nope();
  } catch (e) {
    rejected = e;
  }
  check(rejected !== null && /has no update method/.test(String(rejected.message)),
    `${label}: a missing method is rejected (${rejected})`);
}

const anonymous = await makeAgent(new AnonymousIdentity());
const ed = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(7));
const edAgent = await makeAgent(ed);
check(hex(anonymous.rootKey) === config.root_key_hex, 'the agent fetched the replica\'s root key');

await typed(anonymous, 'anonymous');
await typed(edAgent, 'Ed25519');
await replay(anonymous, 'counter', config.canisters.counter_anon, 'counter/anonymous');
await replay(edAgent, 'counter', config.canisters.counter_ed, 'counter/Ed25519');
await replay(anonymous, 'greeter', config.canisters.greeter, 'greeter/anonymous');
await replay(edAgent, 'greeter', config.canisters.greeter, 'greeter/Ed25519');

// A certificate signed by another key must be refused by the agent: the
// check above means something only if verification can fail.
const goodCall = await edAgent.call(Principal.fromText(config.canisters.counter_typed), {
  methodName: 'inc', arg: unhex('4449444c0000'),
  effectiveCanisterId: Principal.fromText(config.canisters.counter_typed),
});
let refused = false;
if (isV3ResponseBody(goodCall.response.body)) {
  const wrongKey = new Uint8Array(anonymous.rootKey);
  wrongKey[wrongKey.length - 1] ^= 1;
  try {
    await Certificate.create({
      certificate: goodCall.response.body.certificate, rootKey: wrongKey,
      canisterId: Principal.fromText(config.canisters.counter_typed),
    });
  } catch (e) {
    refused = true;
  }
}
check(refused, 'a certificate checked against a wrong root key is refused');

// A certified variable: the universal canister sets its certified data in an
// update, then returns the data certificate ic0.data_certificate_copy gives a
// query; the agent verifies it with the root key from /api/v2/status and
// reads /canister/<id>/certified_data from it.
{
  const uc = config.canisters.universal;
  const expected = config.certified_data_hex;
  const set = await rawUpdate(edAgent, uc, 'update', unhex(config.programs.set_certified_data));
  check(set.reply !== undefined, `set_certified_data: ${JSON.stringify(set)}`);
  const got = await rawQuery(edAgent, uc, 'query', unhex(config.programs.get_certificate));
  let data = null;
  try {
    const cert = await Certificate.create({
      certificate: got.reply, rootKey: anonymous.rootKey, canisterId: Principal.fromText(uc),
    });
    data = lookupResultToBuffer(cert.lookup_path(
      ['canister', Principal.fromText(uc).toUint8Array(), 'certified_data']));
  } catch (e) {
    check(false, `data certificate: ${e}`);
  }
  check(data !== null && data !== undefined && hex(data) === expected,
    `certified_data read from the data certificate: ${data && hex(data)}`);
}

console.log(JSON.stringify({ checks, failures, principal: ed.getPrincipal().toText() }));
process.exit(failures.length === 0 ? 0 : 1);
