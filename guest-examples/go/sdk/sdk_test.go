package sdk

import (
	"bytes"
	"testing"
)

func TestBuilderAndMessagesRoundTrip(t *testing.T) {
	b := NewBatchBuilder(2, 64)
	if err := b.Push(U128(7), 9, []byte("hello"), Header{StringValue("source"), StringValue("random")}); err != nil {
		t.Fatal(err)
	}
	if err := b.Push(Uint128{Hi: ^uint64(0), Lo: ^uint64(0)}, 0, nil); err != nil {
		t.Fatal(err)
	}
	index, data := b.Parts()
	msgs, err := NewMessages(index, data)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs.At(0)
	if m.ID != U128(7) || m.OriginTimestamp != 9 || string(m.Payload) != "hello" {
		t.Fatalf("message 0 = %+v", m)
	}
	if n, err := m.Headers.Count(); n != 1 || err != nil {
		t.Fatalf("headers count = %d, %v", n, err)
	}
	if v, ok := m.Headers.Get("source"); !ok || string(v.Bytes) != "random" {
		t.Fatalf("header source = %q, %v", v.Bytes, ok)
	}
	if got := msgs.At(1).ID.String(); got != "340282366920938463463374607431768211455" {
		t.Fatalf("u128 max prints %s", got)
	}
	if _, err := NewMessages(index, data[:3]); err == nil {
		t.Fatal("a range past the data was accepted")
	}
	if _, err := Headers(data[5 : len(data)-1]).Count(); err == nil {
		t.Fatal("truncated headers were accepted")
	}
}

func TestUint128Decimal(t *testing.T) {
	cases := map[Uint128]string{
		{0, 0}: "0",
		{1, 0}: "18446744073709551616",
		// 10^38: a chunk of zeros must be padded to 19 digits.
		{0x4B3B4CA85A86C47A, 0x098A224000000000}: "100000000000000000000000000000000000000",
	}
	for in, want := range cases {
		if got := in.String(); got != want {
			t.Errorf("%+v prints %s, want %s", in, got, want)
		}
	}
}

func TestLossyUTF8MatchesMaximalSubparts(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ok é", "ok é"},
		{"a\xffb", "a\uFFFDb"},
		{"\xe2\x82", "\uFFFD"},
		{"\xe2\x82x", "\uFFFDx"},
		{"\xf0\x80\x80", "\uFFFD\uFFFD\uFFFD"},
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},
		{"\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"\xf0\x9f\x98", "\uFFFD"},
		{"\xc0\xaf", "\uFFFD\uFFFD"},
	}
	for _, c := range cases {
		if got := AppendLossyUTF8(nil, []byte(c.in)); !bytes.Equal(got, []byte(c.want)) {
			t.Errorf("%q decodes to %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseConfigIsExact(t *testing.T) {
	type cfg struct {
		Count uint32 `json:"count"`
		Flag  bool   `json:"print_payload"`
	}
	c := cfg{Count: 10}
	if err := ParseConfig(`{"print_payload":true}`, &c); err != nil || !c.Flag || c.Count != 10 {
		t.Fatalf("got %+v, %v", c, err)
	}
	for _, bad := range []string{`{"Count":1}`, `{"count":-1}`, `{"count":"1"}`, `{"count":null}`, `[]`, `{`} {
		err := ParseConfig(bad, &c)
		if e, ok := err.(*Error); !ok || e.Kind != KindInvalidConfig {
			t.Errorf("%s gave %v, want invalid config", bad, err)
		}
	}
}
