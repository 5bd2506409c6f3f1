package wasm

// A tiny WebAssembly binary assembler for hostile test modules (wazero has
// no text-format parser). Each module is described by wmod and encoded by
// bytes(); the bodies are raw instruction bytes.

const (
	opUnreachable = 0x00
	opLoop        = 0x03
	opEnd         = 0x0b
	opBrIf        = 0x0d
	opBr          = 0x0c
	opI32Const    = 0x41
	opI64Const    = 0x42
	opI32Ne       = 0x47
	opMemoryGrow  = 0x40
	blockEmpty    = 0x40
	tI32          = 0x7f
	tI64          = 0x7e
)

type wfunc struct {
	params, results []byte
	body            []byte // instructions, without the final end
	export          string
}

type wimport struct {
	module, name    string
	params, results []byte
}

type wdata struct {
	offset int32
	data   string
}

type wmod struct {
	imports  []wimport
	funcs    []wfunc
	memMin   uint32
	memMax   int64 // -1: none
	noMemory bool
	data     []wdata
}

func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func sleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func vec(items ...[]byte) []byte {
	out := uleb(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func wname(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func section(id byte, payload []byte) []byte {
	return append(append([]byte{id}, uleb(uint64(len(payload)))...), payload...)
}

func functype(params, results []byte) []byte {
	out := append([]byte{0x60}, uleb(uint64(len(params)))...)
	out = append(out, params...)
	out = append(out, uleb(uint64(len(results)))...)
	return append(out, results...)
}

func (m wmod) bytes() []byte {
	out := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	var types, imports, funcs, exports, codes, datas [][]byte
	for i, im := range m.imports {
		types = append(types, functype(im.params, im.results))
		imports = append(imports, append(append(wname(im.module), wname(im.name)...), append([]byte{0x00}, uleb(uint64(i))...)...))
	}
	for i, f := range m.funcs {
		typeIdx := len(types)
		types = append(types, functype(f.params, f.results))
		funcs = append(funcs, uleb(uint64(typeIdx)))
		body := append([]byte{0x00}, f.body...) // no locals
		body = append(body, opEnd)
		codes = append(codes, append(uleb(uint64(len(body))), body...))
		if f.export != "" {
			exports = append(exports, append(wname(f.export), append([]byte{0x00}, uleb(uint64(len(m.imports)+i))...)...))
		}
	}
	out = append(out, section(1, vec(types...))...)
	if len(imports) > 0 {
		out = append(out, section(2, vec(imports...))...)
	}
	out = append(out, section(3, vec(funcs...))...)
	if !m.noMemory {
		limits := append([]byte{0x00}, uleb(uint64(m.memMin))...)
		if m.memMax >= 0 {
			limits = append(append([]byte{0x01}, uleb(uint64(m.memMin))...), uleb(uint64(m.memMax))...)
		}
		out = append(out, section(5, vec(limits))...)
		exports = append(exports, append(wname("memory"), 0x02, 0x00))
	}
	out = append(out, section(7, vec(exports...))...)
	out = append(out, section(10, vec(codes...))...)
	for _, d := range m.data {
		seg := append([]byte{0x00, opI32Const}, sleb(int64(d.offset))...)
		seg = append(seg, opEnd)
		seg = append(seg, wname(d.data)...)
		datas = append(datas, seg)
	}
	if len(datas) > 0 {
		out = append(out, section(11, vec(datas...))...)
	}
	return out
}

// Layout of abiModule: output documents at outAt, input buffer at inAt.
const (
	outAt    = 16
	inAt     = 4096
	okOutput = `{"verdict":"accept","code":"wat"}`
)

// packed is evaluate's (ptr << 32 | len) result.
func packed(ptr, n uint32) int64 { return int64(uint64(ptr)<<32 | uint64(n)) }

// evalReturning is an evaluate body that returns a constant packed value.
func evalReturning(v int64) []byte { return append([]byte{opI64Const}, sleb(v)...) }

// abiModule is a valid ABI v1 module whose evaluate runs body; it accepts
// when body is evalReturning(packed(outAt, len(okOutput))).
func abiModule(body []byte) wmod {
	return wmod{
		memMin: 2, memMax: -1,
		funcs: []wfunc{
			{export: ExportMarker},
			{export: ExportAlloc, params: []byte{tI32}, results: []byte{tI32}, body: append([]byte{opI32Const}, sleb(inAt)...)},
			{export: ExportFree, params: []byte{tI32}},
			{export: ExportEvaluate, params: []byte{tI32, tI32}, results: []byte{tI64}, body: body},
		},
		data: []wdata{{outAt, okOutput}},
	}
}

var goodBody = evalReturning(packed(outAt, uint32(len(okOutput))))
