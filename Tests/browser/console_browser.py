"""The staff console in a real browser: headless Chromium driven by Selenium through Debian's
chromedriver (SE_OFFLINE=true: Selenium Manager must not reach for the internet). Run by
WebTests' BrowserTests against a live console in front of a real system; `make browser`
installs Chromium, chromedriver and Selenium (.build/selenium).

Signs in as the sales rep in Arabic, then on every page: `dir="rtl"` (then "ltr" in English),
no horizontal overflow at 1280 and 390 pixels wide, no console errors, every form control
labelled, the hostile name shown as text (no element made of it, no alert). Screenshots of
each page in both languages go to --shots. Prints one line per failure and exits 1 on any; the
last line is "browser checks passed" or "browser checks failed: N".
"""

import argparse
import os
import sys

from selenium import webdriver
from selenium.common.exceptions import (
    NoAlertPresentException,
    NoSuchElementException,
    SessionNotCreatedException,
    StaleElementReferenceException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WIDTHS = (1280, 390)
# A wait reads the page the browser is replacing: elements go stale or are not there yet.
PASSING = (NoSuchElementException, StaleElementReferenceException)


def wait(driver, condition):
    """Waits for `condition` (a page loaded after a form's post), 30 s at most."""
    WebDriverWait(driver, 30, ignored_exceptions=PASSING).until(condition)

# The visible form controls that no <label> (nor aria-label) names.
UNLABELLED = """
return Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.id || e.name || e.outerHTML.slice(0, 60));
"""
OVERFLOW = """
const root = document.documentElement;
return [root.scrollWidth, root.clientWidth];
"""


class Checks:
    def __init__(self, driver, shots):
        self.driver = driver
        self.shots = shots
        self.failures = []

    def fail(self, text):
        self.failures.append(text)
        print("FAIL " + text, flush=True)

    def expect(self, condition, text):
        if not condition:
            self.fail(text)

    def console_errors(self, where):
        for entry in self.driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                self.fail(f"{where}: console error: {entry.get('message', '')[:300]}")

    def no_alert(self, where):
        try:
            alert = self.driver.switch_to.alert
            self.fail(f"{where}: an alert opened: {alert.text[:100]}")
            alert.dismiss()
        except NoAlertPresentException:
            pass

    def page(self, name, language, direction):
        """The checks every page meets, at both widths, and its screenshots."""
        driver = self.driver
        html = driver.find_element(By.TAG_NAME, "html")
        self.expect(html.get_attribute("lang") == language, f"{name}: lang is not {language}")
        self.expect(html.get_attribute("dir") == direction, f"{name}: dir is not {direction}")
        unlabelled = driver.execute_script(UNLABELLED)
        self.expect(not unlabelled, f"{name}: form controls without a label: {unlabelled}")
        for width in WIDTHS:
            driver.set_window_size(width, 900)
            scroll, client = driver.execute_script(OVERFLOW)
            self.expect(
                scroll <= client,
                f"{name}: horizontal overflow at {width} px ({scroll} > {client})",
            )
            driver.save_screenshot(os.path.join(self.shots, f"{name}-{language}-{width}.png"))
        driver.set_window_size(WIDTHS[0], 900)
        self.no_alert(name)
        self.console_errors(name)


def start(chromedriver, options):
    """The browser, tried three times: its very first start on a machine (a new profile, the
    font cache built) can outlast chromedriver's wait, and that is no failure of the console."""
    for attempt in range(3):
        try:
            return webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
        except SessionNotCreatedException as error:
            print(f"chromium did not start (attempt {attempt + 1}): {error.msg}", flush=True)
            if attempt == 2:
                raise


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--hostile-id", required=True)
    parser.add_argument("--hostile-name", required=True)
    parser.add_argument("--own-id", required=True)
    parser.add_argument("--own-name", required=True)
    parser.add_argument("--shots", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    os.makedirs(args.shots, exist_ok=True)

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=ar",
                 "--window-size=1280,900", "--disable-gpu"):
        options.add_argument(flag)
    # An Arabic browser: its Accept-Language asks for Arabic (headless ignores --lang alone).
    options.add_experimental_option("prefs", {"intl.accept_languages": "ar"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = start(args.chromedriver, options)
    driver.set_page_load_timeout(30)
    checks = Checks(driver, args.shots)
    base = args.base.rstrip("/")
    try:
        run(driver, checks, args, base)
    except Exception as error:  # a step that could not run at all is a failure too, with where
        checks.fail(f"stopped at {driver.current_url}: {type(error).__name__}: {error}")
    finally:
        driver.quit()

    if checks.failures:
        print(f"browser checks failed: {len(checks.failures)}")
        return 1
    print("browser checks passed")
    return 0


def run(driver, checks, args, base):
    """The rep's visit, page by page."""
    driver.get(base + "/signin")
    checks.page("signin", "ar", "rtl")
    driver.find_element(By.ID, "tenant").send_keys(args.tenant)
    driver.find_element(By.ID, "email").send_keys(args.email)
    driver.find_element(By.ID, "password").send_keys(args.password)
    driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button").click()
    wait(driver, lambda d: d.current_url.rstrip("/") == base)
    checks.expect(
        "erps_" not in driver.current_url, "home: the session token is in the address"
    )
    checks.expect(
        not any(c["name"] == "erp_session" and not c.get("httpOnly") for c in driver.get_cookies()),
        "the session cookie is not HttpOnly",
    )
    checks.expect(
        driver.execute_script("return document.cookie").find("erp_session") < 0,
        "a script can read the session cookie",
    )
    checks.page("home", "ar", "rtl")

    driver.get(base + "/customers")
    checks.page("customers", "ar", "rtl")
    texts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "td bdi")]
    checks.expect(args.hostile_name in texts, "customers: the hostile name is not shown as text")
    checks.expect(args.own_name in texts, "customers: the rep's own customer is missing")
    checks.expect(not driver.find_elements(By.TAG_NAME, "img"), "customers: an <img> was made")

    driver.find_element(By.ID, "q").send_keys("الواحة")
    driver.find_element(By.CSS_SELECTOR, "form.search button").click()
    wait(driver, lambda d: "?s=" in d.current_url)
    checks.expect("الواحة" not in driver.current_url and "%D8" not in driver.current_url,
                  "search: the words searched are in the address")
    texts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "td bdi")]
    checks.expect(args.own_name in texts, "search: the customer searched for is missing")
    checks.page("search", "ar", "rtl")

    driver.get(base + "/customers/" + args.hostile_id)
    heading = driver.find_element(By.TAG_NAME, "h1").text
    checks.expect(heading == args.hostile_name, f"customer: the heading is {heading!r}")
    checks.expect(not driver.find_elements(By.TAG_NAME, "img"), "customer: an <img> was made")
    checks.page("hostile", "ar", "rtl")

    driver.get(base + "/customers/" + args.own_id)
    checks.page("customer", "ar", "rtl")

    # English: the switch in the header, back to the same page, left to right.
    driver.find_element(By.CSS_SELECTOR, "form.language button").click()
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    checks.expect(driver.current_url.endswith("/customers/" + args.own_id),
                  f"language: came back to {driver.current_url}")
    checks.page("customer", "en", "ltr")
    for name, path in (("home", "/"), ("customers", "/customers")):
        driver.get(base + path)
        checks.page(name, "en", "ltr")

    driver.find_element(By.CSS_SELECTOR, "form.signout button").click()
    wait(driver, lambda d: d.current_url.endswith("/signin"))
    driver.get(base + "/customers")
    checks.expect(driver.current_url.endswith("/signin"), "signed out: /customers still opens")
    checks.console_errors("signed out")


if __name__ == "__main__":
    sys.exit(main())
