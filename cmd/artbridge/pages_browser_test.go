package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium. Without it the browser tests fail in
// CI (CI=true) and skip, saying why, elsewhere.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: the browser tests need it in CI (.ci/run installs Debian's chromium)")
	}
	t.Skip("skipping the browser tests: chromium is not installed (apt-get install chromium)")
	return ""
}

// screenshotDir is where the screenshots of the browser tests go: the
// directory named by ARTBRIDGE_SCREENSHOTS, else os.TempDir()/artbridge-screenshots.
func screenshotDir() string {
	if d := os.Getenv("ARTBRIDGE_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "artbridge-screenshots")
}

// browserWatch records, for one tab, what the pages asked for and complained
// about.
type browserWatch struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

func (b *browserWatch) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == "error" || ev.Type == "assert" {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.problems = append(b.problems, "console."+string(ev.Type)+": "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		b.problems = append(b.problems, "exception: "+ev.ExceptionDetails.Text)
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == "warning" {
			b.problems = append(b.problems, "log "+string(ev.Entry.Level)+": "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	}
}

// The pages in a real browser: the profile shows the grid, a CW post hides its
// image until its summary is clicked, the About page shows the contact; no
// console errors, no request to another origin, at phone and desktop widths.
// The hostile CW and alt of the fixture run no script.
func TestPagesInChromium(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	f := newPagesFixture(t, pagesInstanceTOML)

	userData := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(userData),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil { // starts the browser, without a timeout
		t.Fatalf("start chromium: %v", err)
	}

	shots := map[string][]byte{}
	var shotsMu sync.Mutex
	defer func() {
		if !t.Failed() && os.Getenv("ARTBRIDGE_SCREENSHOTS") == "" {
			return
		}
		dir := screenshotDir()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Logf("screenshots: %v", err)
			return
		}
		for name, png := range shots {
			_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		}
		t.Logf("screenshots of the pages are in %s", dir)
	}()

	// tabAllowing opens url in a new tab at a width, runs check, checks the
	// images, scripts, console and requests, and screenshots the page. A
	// problem containing allowed (when set) is expected.
	tabAllowing := func(name, url string, width, height int64, allowed string, check func(ctx context.Context) error) {
		ctx, cancel := context.WithTimeout(browser, 30*time.Second)
		defer cancel()
		ctx, cancelTab := chromedp.NewContext(ctx)
		defer cancelTab()
		w := &browserWatch{}
		if err := chromedp.Listen(ctx, w.listen); err != nil {
			t.Fatalf("%s: listen: %v", name, err)
		}
		err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height), chromedp.Navigate(url),
			chromedp.WaitReady("body"))
		if err == nil && check != nil {
			err = check(ctx)
		}
		// Every image on the page has loaded (or the page has none visible).
		if err == nil {
			_, err = chromedp.Run(ctx, chromedp.Poll[bool](
				`[...document.images].filter(i => i.checkVisibility()).every(i => i.complete && i.naturalWidth > 0)`,
				chromedp.WithPollingTimeout(10*time.Second)))
		}
		if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
			shotsMu.Lock()
			shots[fmt.Sprintf("%s-%dpx", name, width)] = png
			shotsMu.Unlock()
		}
		if err != nil {
			t.Errorf("%s at %dpx: %v", name, width, err)
		}
		scripts, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("script, img[src='x'], [onerror]").length`))
		if scripts != 0 {
			t.Errorf("%s: %d script or onerror elements: the hostile text became HTML", name, scripts)
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, p := range w.problems {
			if allowed != "" && strings.Contains(p, allowed) {
				continue
			}
			t.Errorf("%s at %dpx: %s", name, width, p)
		}
		for _, r := range w.requests {
			if !strings.HasPrefix(r, f.s.BaseURL+"/") && r != f.s.BaseURL {
				t.Errorf("%s at %dpx: a request to another origin: %s", name, width, r)
			}
		}
		if len(w.requests) == 0 {
			t.Errorf("%s: no request recorded: the watch is blind", name)
		}
	}

	tab := func(name, url string, width, height int64, check func(ctx context.Context) error) {
		tabAllowing(name, url, width, height, "", check)
	}

	sizes := [][2]int64{{390, 844}, {1280, 900}}
	for _, sz := range sizes {
		tab("profile", f.s.BaseURL+"/users/art", sz[0], sz[1], func(ctx context.Context) error {
			n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("ul.grid li a[href*='/notes/']").length`))
			if err != nil || n != 3 {
				return fmt.Errorf("grid has %d tiles (%v), want 3", n, err)
			}
			cols, err := chromedp.Run(ctx, chromedp.Evaluate[int](
				`getComputedStyle(document.querySelector("ul.grid")).gridTemplateColumns.split(" ").length`))
			if err != nil || cols < 2 {
				return fmt.Errorf("grid has %d columns (%v)", cols, err)
			}
			overflow, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
			if overflow {
				return fmt.Errorf("the page is wider than the screen")
			}
			return nil
		})
		tab("cw-post", f.cw, sz[0], sz[1], func(ctx context.Context) error {
			const img = `document.querySelector("details.cw img")`
			hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector("details.cw").open && !`+img+`.checkVisibility()`))
			if err != nil || !hidden {
				return fmt.Errorf("the CW image is visible before the summary is clicked (%v)", err)
			}
			if err := chromedp.Do(ctx, chromedp.Click("details.cw summary")); err != nil {
				return fmt.Errorf("click the summary: %w", err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](img+`.checkVisibility() && `+img+`.complete && `+img+`.naturalWidth > 0`,
				chromedp.WithPollingTimeout(10*time.Second))); err != nil {
				return fmt.Errorf("the CW image did not show after the click: %w", err)
			}
			alt, err := chromedp.Run(ctx, chromedp.Evaluate[string](img+`.alt`))
			if err != nil || alt != hostileAlt {
				return fmt.Errorf("alt %q (%v)", alt, err)
			}
			summary, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("details.cw summary").textContent`))
			if err != nil || summary != "CW: "+hostileCW {
				return fmt.Errorf("summary %q (%v)", summary, err)
			}
			return nil
		})
		tab("post", f.plain, sz[0], sz[1], nil)
		tab("about", f.s.BaseURL+"/about", sz[0], sz[1], func(ctx context.Context) error {
			text, err := chromedp.Run(ctx, chromedp.Text("main"))
			if err != nil || !strings.Contains(text, "mods@art.example") || !strings.Contains(text, "/delete_fedi") {
				return fmt.Errorf("about page text lacks the contact: %q (%v)", text, err)
			}
			return nil
		})
	}
	// The dark scheme follows the visitor's setting.
	tab("profile-dark", f.s.BaseURL+"/users/art", 390, 844, func(ctx context.Context) error {
		light, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
		if err != nil {
			return err
		}
		if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
			return err
		})); err != nil {
			return err
		}
		dark, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
		if err != nil || dark == light || dark != "rgb(21, 20, 19)" {
			return fmt.Errorf("background %q in the light scheme, %q in the dark one (%v)", light, dark, err)
		}
		return nil
	})
	// The removed post's own 410 is the one error its page may log.
	tabAllowing("removed", f.removed, 390, 844, "status of 410 (Gone) "+f.removed, nil)
}
