// Package xapiprofile reads the campaign's xAPI Profile (schemas/profiledoc,
// https://w3id.org/hocvu/xapi/profile) and checks statements against it.
//
//   - [Parse] and [Default] give the profile as Go values ([Profile],
//     [Concept], [Template], [Rule], [Pattern]); [Profile.Validate] checks
//     the structural rules of the xAPI Profiles specification that matter
//     to a consumer (ids, inScheme, references, pattern shapes, JSONPath
//     syntax).
//   - [Checker.Check] evaluates one statement against the Statement
//     Templates: it finds the template whose determining properties (verb,
//     object activity type, context activity types) the statement has,
//     applies its rules (JSONPath locations with presence included /
//     excluded / recommended and any / all / none values) and checks the
//     values of the profile's extensions against their inline JSON
//     Schemas. It returns every [Misfit]; none means the statement fits.
//     Statements outside the profile (other verbs, voiding) have no
//     misfits unless they declare the profile version as a category.
//   - [Profile.MatchPattern] tells whether a sequence of statements (as
//     the templates they match, in timestamp order) follows a Pattern.
//
// The JSONPath dialect is the one the specification allows: $, .name,
// ['name'] (unions with commas), [n], [*] and .*; no filters or scripts.
//
// Nothing here does I/O; a [Checker] is immutable and safe for concurrent
// use. [Checker.CheckStatement] is the optional check of the LRS write
// (lrs.ProfileChecker): `hocvu serve --validate-profile` refuses with 400
// a statement that does not follow the profile, naming the template and
// the rule (docs/vocabulary.md).
package xapiprofile
