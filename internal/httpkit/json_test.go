package httpkit

import (
	"errors"
	"math"
	"net/http/httptest"
	"testing"

	"github.com/careerchain/careerchain/sdk/client"
)

func TestWriteJSONUnencodableIsAWhole500(t *testing.T) {
	w := httptest.NewRecorder()
	WriteJSON(w, 200, math.NaN())
	if w.Code != 500 || w.Body.String() != `{"error":"internal error","code":"internal"}`+"\n" {
		t.Errorf("%d %q", w.Code, w.Body)
	}
}

func TestDecodeJSON(t *testing.T) {
	var v struct{ A int }
	for in, ok := range map[string]bool{`{"A":1}`: true, `{"A":1,"B":2}`: false, `{"A":1} {}`: false, `[`: false} {
		err := DecodeJSON([]byte(in), &v)
		if (err == nil) != ok {
			t.Errorf("DecodeJSON(%s) = %v", in, err)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != client.CodeMalformedJSON {
				t.Errorf("DecodeJSON(%s): %v is not malformed_json", in, err)
			}
		}
	}
}
