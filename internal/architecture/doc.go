// Package architecture holds no code: its test checks that imports follow the
// direction table of the design (§1) and that the product binary links no test
// fake.
package architecture
