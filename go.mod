module github.com/deploysim/deploysim

go 1.26

require (
	github.com/expr-lang/expr v1.17.8 // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
)
