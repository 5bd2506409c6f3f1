package fake

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/careerchain/careerchain/internal/browsertest"
	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/payment/internal/paytest"
)

// dev serves a Set like `careerd dev` does, a shop page the providers
// return to, and the card webhooks' endpoint; it returns the clients.
type dev struct {
	set     *Set
	base    string
	shop    string
	clients Clients
	events  chan payment.Event
}

func newDev(t *testing.T) dev {
	t.Helper()
	d := dev{events: make(chan payment.Event, 16)}
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/webhook" {
			body, _ := io.ReadAll(r.Body)
			ev, err := d.clients.Card.Webhook(r.Header, body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			d.events <- ev
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><meta name="viewport" content="width=device-width"><h1 id="back">Back at the shop</h1>`)
	}))
	t.Cleanup(shop.Close)
	d.set = New(Options{CardWebhookURL: shop.URL + "/webhook"})
	t.Cleanup(func() { _ = d.set.Close() })
	srv := httptest.NewServer(d.set)
	t.Cleanup(srv.Close)
	d.base, d.shop = srv.URL, shop.URL
	var err error
	if d.clients, err = NewClients(srv.URL, nil); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d dev) order(id string) payment.Order {
	o := paytest.Order(id)
	o.ReturnURL = d.shop + "/pay/return?order=" + id
	return o
}

// payButton is the success button of each provider's page.
var payButton = map[string]url.Values{
	"sandbox":  {"choice": {"approve"}},
	"kakaopay": {"choice": {"approve"}},
	"card":     {"card": {"4242424242424242"}},
}

func TestAllThreeOverOneHandler(t *testing.T) {
	d := newDev(t)
	ctx := context.Background()
	for _, p := range d.clients.All() {
		o := d.order("ord-" + p.Name())
		c, err := p.Begin(ctx, o)
		if err != nil {
			t.Fatalf("%s: %v", p.Name(), err)
		}
		if !strings.HasPrefix(c.RedirectURL, d.base+"/"+p.Name()+"/") {
			t.Errorf("%s sends the browser to %s", p.Name(), c.RedirectURL)
		}
		paytest.Page(t, c.RedirectURL)
		q := paytest.Returned(t, c.RedirectURL, payButton[p.Name()], o.ReturnURL)
		paid, err := p.Finish(ctx, o, c, q)
		if err != nil || paid.Amount != 5000 || paid.Currency != "KRW" || paid.PaymentID == "" {
			t.Fatalf("%s: Finish = %+v, %v", p.Name(), paid, err)
		}
		if err := p.Refund(ctx, o, c, paid); err != nil {
			t.Fatalf("%s: Refund: %v", p.Name(), err)
		}
	}
	for _, kind := range []string{payment.EventPaid, payment.EventRefunded} {
		select {
		case ev := <-d.events:
			if ev.Kind != kind || ev.OrderID != "ord-card" {
				t.Errorf("webhook %+v, want %s of ord-card", ev, kind)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s webhook", kind)
		}
	}
	page := paytest.Page(t, d.base+"/")
	for _, want := range []string{"/sandbox/", "/kakaopay/", "/card/"} {
		if !strings.Contains(page, want) {
			t.Errorf("the index lacks %s", want)
		}
	}
}

// TestHostedPagesInBrowser walks each provider's page in Chromium, saves
// it at phone and desktop width, presses pay and comes back to the shop.
func TestHostedPagesInBrowser(t *testing.T) {
	d := newDev(t)
	ctx := browsertest.New(t, browsertest.Phone, 2*time.Minute)
	shots := browsertest.ScreenshotDir(t)
	phone := chromedp.EmulateViewport(int64(browsertest.Phone.Width), int64(browsertest.Phone.Height), chromedp.EmulateMobile, chromedp.EmulateScale(2))
	both := func(name string) {
		t.Helper()
		browsertest.Screenshot(t, ctx, shots, name+"-390")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
			t.Fatal(err)
		}
		browsertest.Screenshot(t, ctx, shots, name+"-1280")
		if err := chromedp.Do(ctx, phone); err != nil {
			t.Fatal(err)
		}
	}
	buttons := map[string]string{"sandbox": `button[value=approve]`, "kakaopay": `button[value=approve]`, "card": `button[value="4242424242424242"]`}
	for _, p := range d.clients.All() {
		o := d.order("ord-browser-" + p.Name())
		c, err := p.Begin(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(c.RedirectURL), chromedp.WaitVisible(chromedp.CSS(buttons[p.Name()]))); err != nil {
			t.Fatalf("%s page: %v", p.Name(), err)
		}
		both("payment-" + p.Name())
		if p.Name() == "card" { // a declined card first: the page says so and stays
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value="4000000000000002"]`)), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
				t.Fatal(err)
			}
			both("payment-card-declined")
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(buttons[p.Name()])), chromedp.WaitVisible(chromedp.ID("back"))); err != nil {
			t.Fatalf("%s pay: %v", p.Name(), err)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(loc)
		if _, err := p.Finish(context.Background(), o, c, u.Query()); err != nil {
			t.Fatalf("%s: came back to %s, Finish: %v", p.Name(), loc, err)
		}
		// Coming back to the provider's page after paying: it says so, with the way back.
		if err := chromedp.Do(ctx, chromedp.Navigate(c.RedirectURL), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
			t.Fatalf("%s done page: %v", p.Name(), err)
		}
		both("payment-" + p.Name() + "-done")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(d.base+"/"), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
		t.Fatal(err)
	}
	both("payment-fakes-index")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href$="/card/events"]`)), chromedp.WaitVisible(chromedp.CSS("form button"))); err != nil {
		t.Fatalf("the card webhooks page: %v", err)
	}
	both("payment-card-webhooks")
}
