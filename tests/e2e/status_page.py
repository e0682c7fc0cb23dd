#!/usr/bin/env python3
"""Drives bank-a's status page in headless Chromium (Debian's chromium + chromium-driver,
python3-selenium) for tests/e2e/status_page.sh. Every check reads what the browser rendered;
a screenshot of each view is saved under --shots. Exits non-zero on the first failed check."""
import argparse
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

args = argparse.ArgumentParser()
for name in ("url", "shots", "completed", "failed", "head", "reason", "submit"):
    args.add_argument("--" + name, required=True)
args = args.parse_args()


# The ABI version the router reports is the one the plugins were built against: read it from
# the one place that states it, so an ABI bump does not need this test edited.
def sdk_abi_version():
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sdk",
                          "include", "finp2p", "ledger", "abi.h")
    text = open(header).read()
    part = lambda name: re.search(r"#define FINP2P_LEDGER_ABI_%s (\d+)u" % name, text).group(1)
    return part("MAJOR") + "." + part("MINOR")


def fail(message):
    print("FAIL: " + message)
    try:  # what the browser showed, for whoever reads the failure
        print("page at " + browser.current_url + ":\n" + browser.find_element(By.ID, "main").text)
        browser.save_screenshot(os.path.join(args.shots, "failure.png"))
    except Exception as e:
        print("(no page: %s)" % e)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--window-size=1400,1000", "--no-first-run", "--disable-extensions"):
    options.add_argument(flag)
browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
browser.set_page_load_timeout(30)
wait = WebDriverWait(browser, 20)


def shot(name):
    path = os.path.join(args.shots, name + ".png")
    browser.save_screenshot(path)
    print("screenshot " + path)


# The page redraws while it polls, so an element found a moment ago may be gone: each read
# below is one script in the page, which sees the DOM of one moment.
def rows():
    return {r[0]: {"status": r[1], "reason": r[2], "text": r[3]} for r in browser.execute_script(
        "return Array.from(document.querySelectorAll('#plans-table tr.plan-row')).map(r => ["
        "r.dataset.planId, r.querySelector('.plan-status').innerText,"
        "r.querySelector('.plan-reason').innerText, r.innerText])")}


def wait_rows(predicate, what):
    try:
        wait.until(lambda _: predicate(rows()))
    except Exception:
        fail(what + "; the list shows " + str(list(rows())))


def text(css):
    return browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css)


def cells(css):
    return browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(c => c.innerText)", css)


def step(sequence):
    fields = browser.execute_script(
        "const s = document.querySelector('li.step[data-sequence=\"' + arguments[0] + '\"]');"
        "if (!s) return null;"
        "const f = (c) => { const e = s.querySelector(c); return e ? e.innerText : ''; };"
        "return {status: f('.step-status'), executor: f('.step-executor'),"
        "receipt: f('.step-receipt'), approvals: f('.step-approvals'), ledger: f('.step-ledger'),"
        "text: s.innerText};", sequence)
    expect(fields is not None, "no step %d on the page: %s" % (sequence, text("#main")))
    return fields


def click(css):
    # Retried: a poll may replace the element between finding and clicking it.
    wait.until(lambda _: browser.execute_script(
        "const e = document.querySelector(arguments[0]); if (!e) return false; e.click(); "
        "return true", css))


def open_plan(plan_id, status):
    try:
        wait.until(lambda _: text("#plan-id") == plan_id and text("#plan-status") == status)
    except Exception:
        fail("plan %s is not shown as %s: %s" % (plan_id, status, text("#main")))


try:
    # ---- the list: both plans, counts, filters ----
    browser.get(args.url)
    wait_rows(lambda r: args.completed in r and args.failed in r, "both plans are not listed")
    r = rows()
    expect(r[args.completed]["status"] == "completed", "the completed plan's status in the list")
    expect(r[args.failed]["status"] == "failed", "the failed plan's status in the list")
    expect("insufficient balance" in r[args.failed]["reason"], "the failed plan's reason in the list")
    expect("bank-a, bank-b, bank-c" in r[args.completed]["text"], "participants in the list")
    counts = dict(browser.execute_script(
        "return Array.from(document.querySelectorAll('#counts a')).map(a => "
        "[a.dataset.status, a.innerText])"))
    expect(counts.get("completed", "").startswith("1"), "completed count: %s" % counts)
    expect(counts.get("failed", "").startswith("1"), "failed count: %s" % counts)
    expect(text("#organization") == "bank-a", "the router's organization in the header")
    shot("plans")

    # The form is one element kept across redraws, so it can be used like a person would.
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("failed")
    browser.find_element(By.ID, "filter-apply").click()
    wait_rows(lambda r: list(r) == [args.failed], "status filter 'failed'")
    browser.get(args.url + "#/plans?q=" + urllib.parse.quote(args.completed[-12:]))
    wait_rows(lambda r: list(r) == [args.completed], "search by a part of the plan id")
    browser.get(args.url + "#/plans?org=bank-c")
    wait_rows(lambda r: args.completed in r and args.failed in r, "organization filter bank-c")
    browser.get(args.url + "#/plans?org=bank-z")
    wait_rows(lambda r: not r, "organization filter of a stranger")
    later = int(time.time() * 1000) + 3_600_000
    browser.get(args.url + "#/plans?from=%d" % later)
    wait_rows(lambda r: not r, "created-from filter in the future")
    browser.get(args.url + "#/plans?to=%d" % later)
    wait_rows(lambda r: args.completed in r and args.failed in r, "created-before filter")

    # ---- the completed plan, from its link ----
    browser.get(args.url + "#/plans")
    wait_rows(lambda r: args.completed in r, "the list again")
    click('tr[data-plan-id="%s"] a.plan-link' % args.completed)
    open_plan(args.completed, "completed")
    expect(text("#journal-head") == args.head, "journal head: %s, plan show says %s"
           % (text("#journal-head"), args.head))
    expect(text("#chain-status").startswith("verifies"), "chain: " + text("#chain-status"))
    expect(text("#plan-approvals") == "bank-a, bank-b", "plan approvals: " + text("#plan-approvals"))
    roles = dict(browser.execute_script(
        "return Array.from(document.querySelectorAll('#participants tbody tr')).map(r => "
        "[r.dataset.organization, r.innerText])"))
    expect("contributor" in roles.get("bank-a", "") and "observer" in roles.get("bank-c", ""),
           "participants and roles: %s" % roles)
    # hold by bank-a (approved by bank-b), pay by bank-b (approved by bank-a), release by bank-a
    for sequence, executor, approver in ((1, "bank-a", "bank-b"), (2, "bank-b", "bank-a"),
                                         (3, "bank-a", "bank-b")):
        s = step(sequence)
        expect(s["status"] == "done", "step %d: %s" % (sequence, s["text"]))
        expect(s["executor"] == executor, "step %d executor: %s" % (sequence, s["text"]))
        expect(s["receipt"] and s["receipt"] != "none", "step %d has no transaction id" % sequence)
        expect(s["approvals"] == approver, "step %d approvals: %s" % (sequence, s["text"]))
    expect(step(1)["ledger"] == "securities (this router)", "the hold's ledger: " + step(1)["text"])
    expect(step(4)["status"] == "not run", "the RevertHold of a completed plan")
    shot("plan-completed")

    # ---- the failed plan: its reason, the failing step, the compensation ----
    browser.get(args.url + "#/plan/" + urllib.parse.quote(args.failed, safe=""))
    open_plan(args.failed, "failed")
    reason = text("#plan-reason")
    expect("insufficient balance" in reason and args.reason in reason,
           "reason shown: %r, plan show says %r" % (reason, args.reason))
    expect(step(2)["status"] == "failed", "the payment step: " + step(2)["text"])
    expect("insufficient balance" in step(2)["text"], "the payment step's message: " +
           step(2)["text"])
    expect(step(4)["status"] == "done", "the RevertHold: " + step(4)["text"])
    expect(step(3)["status"] == "not run", "the release of a failed payment: " + step(3)["text"])
    shot("plan-failed")

    # ---- ledgers and peers ----
    browser.get(args.url + "#/ledgers")
    wait.until(lambda _: cells('tr[data-ledger="securities"] td'))
    c = cells('tr[data-ledger="securities"] td')
    expect(c[2].endswith("libsqlite-ledger.so"), "plugin file: %s" % c)
    expect(len(c[3]) == 64, "sha256: %s" % c)
    expect(c[4] == sdk_abi_version() and c[5] == "1", "ABI and generation: %s" % c)
    expect("hold" in c[6] and "transfer" in c[6], "supported operations: %s" % c)
    expect(c[7] == "serving", "health: %s" % c)
    shot("ledgers")
    browser.get(args.url + "#/peers")
    wait.until(lambda _: len(cells("#peers-table tr[data-peer]")) == 2)
    for peer in ("bank-b", "bank-c"):
        c = cells('tr[data-peer="%s"] td' % peer)
        expect(c[2] == "reachable" and c[3] == "0", "peer %s: %s" % (peer, c))
        expect(c[4] != "never", "peer %s never answered: %s" % (peer, c))
        expect(c[6] == "none", "peer %s refused messages: %s" % (peer, c))
    shot("peers")

    # ---- live: a plan submitted while the page watches, list and plan ----
    browser.get(args.url + "#/plans")
    wait_rows(lambda r: args.completed in r, "the list before a new plan")
    new_id = subprocess.run(shlex.split(args.submit), check=True, capture_output=True,
                            text=True).stdout.split()[0]
    browser.get(args.url + "#/plan/" + urllib.parse.quote(new_id, safe=""))
    open_plan(new_id, "completed")  # polled until it ended, no reload
    browser.get(args.url + "#/plans")
    wait_rows(lambda r: new_id in r and r[new_id]["status"] == "completed",
              "the new plan in the list")

    # ---- a hostile plan id stays text ----
    hostile = '<img src=x onerror="window.__pwned=1">'
    browser.get(args.url + "#/plan/" + urllib.parse.quote(hostile, safe=""))
    wait.until(lambda _: text("#plan-error"))
    expect(hostile in text("#plan-error"), "the hostile id is not shown as text: " +
           text("#plan-error"))
    expect(not cells("#main img"), "an <img> reached the DOM")
    expect(browser.execute_script("return window.__pwned === undefined"), "script ran")
    shot("hostile-id")
    print("browser checks passed")
finally:
    browser.quit()
