package xapi_test

import (
	"fmt"
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

type ruleCase struct {
	name     string
	versions []xapi.Version // nil means both
	edits    []edit
	rule     string // "" means valid
	path     string
}

// ruleCases has a valid and an invalid example for every rule; most come
// from the spec text and the ADL LRS conformance suite.
var ruleCases = []ruleCase{
	// Data 2.2: required properties, closed objects, types, case.
	{name: "base statement", rule: ""},
	{name: "no id is fine", edits: []edit{{"/id", "-"}}},
	{name: "actor required", edits: []edit{{"/actor", "-"}}, rule: "schema:required", path: "/actor"},
	{name: "verb required", edits: []edit{{"/verb", "-"}}, rule: "schema:required", path: "/verb"},
	{name: "object required", edits: []edit{{"/object", "-"}}, rule: "schema:required", path: "/object"},
	{name: "unknown top-level property", edits: []edit{{"/foo", `1`}}, rule: "schema:additionalProperties", path: "/foo"},
	{name: "key case matters", edits: []edit{{"/Version", `"1.0.3"`}}, rule: "schema:additionalProperties", path: "/Version"},
	{name: "null outside extensions", edits: []edit{{"/actor/name", `null`}}, rule: "schema:type", path: "/actor/name"},
	{name: "statement not an object", edits: nil, rule: "", path: ""},
	{name: "string where boolean", edits: []edit{{"/result/success", `"true"`}}, rule: "schema:type", path: "/result/success"},
	{name: "string where number", edits: []edit{{"/result/score/raw", `"5"`}}, rule: "schema:type", path: "/result/score/raw"},
	{name: "stored accepted", edits: []edit{{"/stored", `"2024-01-01T00:00:00Z"`}}},

	// Data 2.4.1 and 4.4: UUIDs.
	{name: "uppercase uuid", edits: []edit{{"/id", `"FD41C918-B88B-4B20-A0A5-A4C32391AAA0"`}}},
	{name: "uuid without hyphens", edits: []edit{{"/id", `"fd41c918b88b4b20a0a5a4c32391aaa0"`}}, rule: "format.uuid", path: "/id"},
	{name: "uuid empty", edits: []edit{{"/id", `""`}}, rule: "format.uuid", path: "/id"},
	{name: "uuid number", edits: []edit{{"/id", `12345`}}, rule: "schema:type", path: "/id"},
	{name: "registration uuid", edits: []edit{{"/context/registration", `"ec531277-b57b-4c15-8d91-d292c5b2b8f7"`}}},
	{name: "registration not uuid", edits: []edit{{"/context/registration", `"ec531277"`}}, rule: "format.uuid", path: "/context/registration"},

	// Data 2.4.2: Agents, Groups and identifiers.
	{name: "agent without objectType", edits: []edit{{"/actor", `{"mbox":"mailto:a@example.com"}`}}},
	{name: "agent objectType case", edits: []edit{{"/actor/objectType", `"agent"`}}, rule: "actor.kind", path: "/actor"},
	{name: "member objectType case", edits: []edit{{"/actor", `{"objectType":"Group","member":[{"objectType":"agent","mbox":"mailto:a@example.com"}]}`}}, rule: "schema:const", path: "/actor/member/0/objectType"},
	{name: "agent two identifiers", edits: []edit{{"/actor/openid", `"http://openid.example.org/a"`}}, rule: "ifi.exactly-one", path: "/actor"},
	{name: "agent no identifier", edits: []edit{{"/actor/mbox", "-"}}, rule: "ifi.exactly-one", path: "/actor"},
	{name: "mbox without mailto", edits: []edit{{"/actor/mbox", `"learner@example.com"`}}, rule: "ifi.mbox", path: "/actor/mbox"},
	{name: "mbox without at", edits: []edit{{"/actor/mbox", `"mailto:learner.example.com"`}}, rule: "ifi.mbox", path: "/actor/mbox"},
	{name: "mbox with display name", edits: []edit{{"/actor/mbox", `"mailto:Learner <learner@example.com>"`}}, rule: "ifi.mbox", path: "/actor/mbox"},
	{name: "mbox_sha1sum", edits: []edit{{"/actor/mbox", "-"}, {"/actor/mbox_sha1sum", `"ebd31e95054c018b10727ccffd2ef2ec3a016ee9"`}}},
	{name: "mbox_sha1sum too short", edits: []edit{{"/actor/mbox", "-"}, {"/actor/mbox_sha1sum", `"ebd31e95"`}}, rule: "ifi.mbox_sha1sum", path: "/actor/mbox_sha1sum"},
	{name: "mbox_sha1sum not hex", edits: []edit{{"/actor/mbox", "-"}, {"/actor/mbox_sha1sum", `"zbd31e95054c018b10727ccffd2ef2ec3a016ee9"`}}, rule: "ifi.mbox_sha1sum", path: "/actor/mbox_sha1sum"},
	{name: "openid", edits: []edit{{"/actor/mbox", "-"}, {"/actor/openid", `"http://toby.openid.example.org/"`}}},
	{name: "openid not absolute", edits: []edit{{"/actor/mbox", "-"}, {"/actor/openid", `"toby.openid.example.org"`}}, rule: "format.iri", path: "/actor/openid"},
	{name: "account", edits: []edit{{"/actor/mbox", "-"}, {"/actor/account", `{"homePage":"http://www.example.com","name":"1625378"}`}}},
	{name: "account without name", edits: []edit{{"/actor/mbox", "-"}, {"/actor/account", `{"homePage":"http://www.example.com"}`}}, rule: "schema:required", path: "/actor/account/name"},
	{name: "account name not string", edits: []edit{{"/actor/mbox", "-"}, {"/actor/account", `{"homePage":"http://www.example.com","name":{"key":"x"}}`}}, rule: "schema:type", path: "/actor/account/name"},
	{name: "account homePage not IRL", edits: []edit{{"/actor/mbox", "-"}, {"/actor/account", `{"homePage":"www.example.com","name":"x"}`}}, rule: "format.irl", path: "/actor/account/homePage"},
	{name: "identified group", edits: []edit{{"/actor", `{"objectType":"Group","mbox":"mailto:team@example.com","member":[{"mbox":"mailto:a@example.com"}]}`}}},
	{name: "identified group two identifiers", edits: []edit{{"/actor", `{"objectType":"Group","mbox":"mailto:team@example.com","openid":"http://team.example.com"}`}}, rule: "ifi.exactly-one", path: "/actor"},
	{name: "anonymous group", edits: []edit{{"/actor", `{"objectType":"Group","member":[{"mbox":"mailto:a@example.com"}]}`}}},
	{name: "anonymous group without member", edits: []edit{{"/actor", `{"objectType":"Group","name":"x"}`}}, rule: "group.anonymous-member", path: "/actor"},
	{name: "group member is a group", edits: []edit{{"/actor", `{"objectType":"Group","member":[{"objectType":"Group","mbox":"mailto:t@example.com"}]}`}}, rule: "group.member-agent", path: "/actor/member/0"},
	{name: "group member invalid agent", edits: []edit{{"/actor", `{"objectType":"Group","member":[{"mbox":"x"}]}`}}, rule: "ifi.mbox", path: "/actor/member/0/mbox"},
	{name: "actor is neither agent nor group", edits: []edit{{"/actor", `"learner@example.com"`}}, rule: "actor.kind", path: "/actor"},
	{name: "group without objectType reads as agent", edits: []edit{{"/actor", `{"member":[{"mbox":"mailto:a@example.com"}]}`}}, rule: "schema:additionalProperties", path: "/actor/member"},

	// Data 2.4.3: Verb.
	{name: "verb without display", edits: []edit{{"/verb/display", "-"}}},
	{name: "verb id not IRI", edits: []edit{{"/verb/id", `"attempted"`}}, rule: "format.iri", path: "/verb/id"},
	{name: "verb id missing", edits: []edit{{"/verb/id", "-"}}, rule: "schema:required", path: "/verb/id"},
	{name: "verb display not a map", edits: []edit{{"/verb/display", `"attempted"`}}, rule: "schema:type", path: "/verb/display"},

	// Data 4.2: language maps.
	{name: "language tags", edits: []edit{{"/verb/display", `{"zh-cmn-Hans-CN":"x","i-enochian":"y","x-whatever":"z","de-CH-1901":"w"}`}}},
	{name: "language map empty", edits: []edit{{"/verb/display", `{}`}}, rule: "schema:minProperties", path: "/verb/display"},
	{name: "language tag two regions", edits: []edit{{"/verb/display", `{"de-419-DE":"x"}`}}, rule: "langmap.key", path: "/verb/display/de-419-DE"},
	{name: "language tag single letter", edits: []edit{{"/verb/display", `{"a-DE":"x"}`}}, rule: "langmap.key", path: "/verb/display/a-DE"},
	{name: "language tag repeated extension", edits: []edit{{"/verb/display", `{"ar-a-aaa-b-bbb-a-ccc":"x"}`}}, rule: "langmap.key", path: "/verb/display/ar-a-aaa-b-bbb-a-ccc"},
	{name: "language tag with digits", edits: []edit{{"/object/definition/name", `{"a12345":"x"}`}}, rule: "langmap.key", path: "/object/definition/name/a12345"},
	{name: "language map value not string", edits: []edit{{"/verb/display", `{"en":1}`}}, rule: "schema:type", path: "/verb/display/en"},

	// Data 2.4.4: objects.
	{name: "activity objectType", edits: []edit{{"/object/objectType", `"Activity"`}}},
	{name: "activity id missing", edits: []edit{{"/object/id", "-"}, {"/object/objectType", `"Activity"`}}, rule: "schema:required", path: "/object/id"},
	{name: "activity id not IRI", edits: []edit{{"/object/id", `"ab=c://should.fail.com"`}}, rule: "format.iri", path: "/object/id"},
	{name: "activity id with space", edits: []edit{{"/object/id", `"http://example.com/a b"`}}, rule: "format.iri", path: "/object/id"},
	{name: "unknown objectType", edits: []edit{{"/object/objectType", `"Foo"`}}, rule: "object.kind", path: "/object"},
	{name: "objectType case", edits: []edit{{"/object/objectType", `"activity"`}}, rule: "object.kind", path: "/object"},
	{name: "agent object", edits: []edit{{"/object", `{"objectType":"Agent","mbox":"mailto:b@example.com"}`}}},
	{name: "group object", edits: []edit{{"/object", `{"objectType":"Group","member":[{"mbox":"mailto:b@example.com"}]}`}}},
	{name: "agent object needs objectType", edits: []edit{{"/object", `{"mbox":"mailto:b@example.com"}`}}, rule: "schema:additionalProperties", path: "/object/mbox"},
	{name: "statement ref", edits: []edit{{"/object", `{"objectType":"StatementRef","id":"8f87ccde-bb56-4c2e-ab83-44982ef22df0"}`}}},
	{name: "statement ref bad id", edits: []edit{{"/object", `{"objectType":"StatementRef","id":"8f87ccde"}`}}, rule: "format.uuid", path: "/object/id"},
	{name: "statement ref extra property", edits: []edit{{"/object", `{"objectType":"StatementRef","id":"8f87ccde-bb56-4c2e-ab83-44982ef22df0","definition":{}}`}}, rule: "schema:additionalProperties", path: "/object/definition"},

	// Data 2.4.4.1: activity definitions and interactions.
	{name: "definition", edits: []edit{{"/object/definition", `{"name":{"en":"x"},"description":{"en":"y"},"type":"http://adlnet.gov/expapi/activities/cmi.interaction","moreInfo":"https://example.com/info","extensions":{"http://example.com/e":1}}`}}},
	{name: "definition not an object", edits: []edit{{"/object/definition", `"x"`}}, rule: "schema:type", path: "/object/definition"},
	{name: "definition type not IRI", edits: []edit{{"/object/definition/type", `"should error"`}}, rule: "format.iri", path: "/object/definition/type"},
	{name: "moreInfo not IRL", edits: []edit{{"/object/definition/moreInfo", `"should error"`}}, rule: "format.irl", path: "/object/definition/moreInfo"},
	{name: "definition unknown property", edits: []edit{{"/object/definition/title", `"x"`}}, rule: "schema:additionalProperties", path: "/object/definition/title"},
	{name: "interactionType case", edits: []edit{{"/object/definition/interactionType", `"Other"`}}, rule: "interaction.type", path: "/object/definition/interactionType"},
	{name: "interactionType number", edits: []edit{{"/object/definition/interactionType", `12345`}}, rule: "interaction.type", path: "/object/definition/interactionType"},
	{name: "correctResponsesPattern needs interactionType", edits: []edit{{"/object/definition/correctResponsesPattern", `["true"]`}}, rule: "interaction.type-required", path: "/object/definition"},
	{name: "choices need interactionType", edits: []edit{{"/object/definition/choices", `[{"id":"a"}]`}}, rule: "interaction.type-required", path: "/object/definition"},
	{name: "correctResponsesPattern of strings", edits: []edit{{"/object/definition/interactionType", `"numeric"`}, {"/object/definition/correctResponsesPattern", `[4]`}}, rule: "schema:type", path: "/object/definition/correctResponsesPattern/0"},
	{name: "empty correctResponsesPattern", edits: []edit{{"/object/definition/interactionType", `"fill-in"`}, {"/object/definition/correctResponsesPattern", `[]`}}},
	{name: "choices with choice", edits: []edit{{"/object/definition/interactionType", `"choice"`}, {"/object/definition/choices", `[{"id":"a","description":{"en":"A"}},{"id":"b"}]`}}},
	{name: "choices with sequencing", edits: []edit{{"/object/definition/interactionType", `"sequencing"`}, {"/object/definition/choices", `[{"id":"a"}]`}}},
	{name: "choices with likert", edits: []edit{{"/object/definition/interactionType", `"likert"`}, {"/object/definition/choices", `[{"id":"a"}]`}}, rule: "interaction.components", path: "/object/definition/interactionType"},
	{name: "scale with likert", edits: []edit{{"/object/definition/interactionType", `"likert"`}, {"/object/definition/scale", `[{"id":"a"}]`}}},
	{name: "scale with choice", edits: []edit{{"/object/definition/interactionType", `"choice"`}, {"/object/definition/scale", `[{"id":"a"}]`}}, rule: "interaction.components", path: "/object/definition/interactionType"},
	{name: "source with matching", edits: []edit{{"/object/definition/interactionType", `"matching"`}, {"/object/definition/source", `[{"id":"a"}]`}, {"/object/definition/target", `[{"id":"a"}]`}}},
	{name: "target with true-false", edits: []edit{{"/object/definition/interactionType", `"true-false"`}, {"/object/definition/target", `[{"id":"a"}]`}}, rule: "interaction.components", path: "/object/definition/interactionType"},
	{name: "steps with performance", edits: []edit{{"/object/definition/interactionType", `"performance"`}, {"/object/definition/steps", `[{"id":"a"}]`}}},
	{name: "steps with numeric", edits: []edit{{"/object/definition/interactionType", `"numeric"`}, {"/object/definition/steps", `[{"id":"a"}]`}}, rule: "interaction.components", path: "/object/definition/interactionType"},
	{name: "component without id", edits: []edit{{"/object/definition/interactionType", `"choice"`}, {"/object/definition/choices", `[{"description":{"en":"A"}}]`}}, rule: "schema:required", path: "/object/definition/choices/0/id"},
	{name: "component ids repeat", edits: []edit{{"/object/definition/interactionType", `"choice"`}, {"/object/definition/choices", `[{"id":"a"},{"id":"b"},{"id":"a"}]`}}, rule: "interaction.component-id-unique", path: "/object/definition/choices/2/id"},
	{name: "same component id in two lists", edits: []edit{{"/object/definition/interactionType", `"matching"`}, {"/object/definition/source", `[{"id":"a"}]`}, {"/object/definition/target", `[{"id":"a"}]`}}},
	{name: "component ids repeat in context activity", edits: []edit{{"/context/contextActivities/parent", `{"id":"http://example.com/q","definition":{"interactionType":"likert","scale":[{"id":"x"},{"id":"x"}]}}`}}, rule: "interaction.component-id-unique", path: "/context/contextActivities/parent/definition/scale/1/id"},

	// Data 2.4.4.3: SubStatements.
	{name: "substatement", edits: []edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/visited"},"object":{"id":"http://example.com/website"},"timestamp":"2099-01-01T00:00:00Z"}`}}},
	{name: "substatement with id", edits: []edit{{"/object", `{"objectType":"SubStatement","id":"fd41c918-b88b-4b20-a0a5-a4c32391aaa0","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/visited"},"object":{"id":"http://example.com/website"}}`}}, rule: "substatement.forbidden-property", path: "/object/id"},
	{name: "substatement with stored", edits: []edit{{"/object", `{"objectType":"SubStatement","stored":"2024-01-01T00:00:00Z","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/visited"},"object":{"id":"http://example.com/website"}}`}}, rule: "substatement.forbidden-property", path: "/object/stored"},
	{name: "substatement with version", edits: []edit{{"/object", `{"objectType":"SubStatement","version":"1.0.0","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/visited"},"object":{"id":"http://example.com/website"}}`}}, rule: "substatement.forbidden-property", path: "/object/version"},
	{name: "substatement with authority", edits: []edit{{"/object", `{"objectType":"SubStatement","authority":{"mbox":"mailto:a@example.com"},"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/visited"},"object":{"id":"http://example.com/website"}}`}}, rule: "substatement.forbidden-property", path: "/object/authority"},
	{name: "nested substatement", edits: []edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/visited"},"object":{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/visited"},"object":{"id":"http://example.com/website"}}}`}}, rule: "substatement.object", path: "/object/object"},
	{name: "substatement validated as statement", edits: []edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"visited"},"object":{"id":"http://example.com/website"}}`}}, rule: "format.iri", path: "/object/verb/id"},
	{name: "substatement without actor", edits: []edit{{"/object", `{"objectType":"SubStatement","verb":{"id":"http://example.com/visited"},"object":{"id":"http://example.com/website"}}`}}, rule: "schema:required", path: "/object/actor"},
	{name: "substatement score", edits: []edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/visited"},"object":{"id":"http://example.com/website"},"result":{"score":{"raw":5,"max":4}}}`}}, rule: "score.raw-range", path: "/object/result/score/raw"},

	// Data 2.3.2: voiding.
	{name: "voiding statement ref", edits: []edit{{"/verb/id", `"http://adlnet.gov/expapi/verbs/voided"`}, {"/object", `{"objectType":"StatementRef","id":"e05aa883-acaf-40ad-bf54-02c8ce485fb0"}`}}},
	{name: "voiding an activity", edits: []edit{{"/verb/id", `"http://adlnet.gov/expapi/verbs/voided"`}}, rule: "voiding.statement-ref", path: "/object"},
	{name: "voiding an agent", edits: []edit{{"/verb/id", `"http://adlnet.gov/expapi/verbs/voided"`}, {"/object", `{"objectType":"Agent","mbox":"mailto:b@example.com"}`}}, rule: "voiding.statement-ref", path: "/object/objectType"},

	// Data 2.4.5: result and score.
	{name: "result", edits: []edit{{"/result", `{"score":{"scaled":0.5,"raw":5,"min":0,"max":10},"success":true,"completion":false,"response":"x","duration":"PT4H35M59.14S","extensions":{"http://example.com/e":null}}`}}},
	{name: "scaled above 1", edits: []edit{{"/result/score/scaled", `1.01`}}, rule: "score.scaled-range", path: "/result/score/scaled"},
	{name: "scaled below -1", edits: []edit{{"/result/score/scaled", `-1.5`}}, rule: "score.scaled-range", path: "/result/score/scaled"},
	{name: "scaled bounds", edits: []edit{{"/result/score/scaled", `-1`}}},
	{name: "raw equals min and max bounds", edits: []edit{{"/result/score", `{"raw":0,"min":0,"max":1e1}`}}},
	{name: "raw below min", edits: []edit{{"/result/score", `{"raw":-1,"min":0}`}}, rule: "score.raw-range", path: "/result/score/raw"},
	{name: "raw above max", edits: []edit{{"/result/score", `{"raw":10.5,"max":10}`}}, rule: "score.raw-range", path: "/result/score/raw"},
	{name: "min equals max", edits: []edit{{"/result/score", `{"min":3,"max":3.0}`}}, rule: "score.min-max", path: "/result/score/max"},
	{name: "min above max", edits: []edit{{"/result/score", `{"min":5,"max":1}`}}, rule: "score.min-max", path: "/result/score/max"},
	{name: "score unknown property", edits: []edit{{"/result/score/percent", `50`}}, rule: "schema:additionalProperties", path: "/result/score/percent"},
	{name: "duration", edits: []edit{{"/result/duration", `"P4W"`}}},
	{name: "duration fraction", edits: []edit{{"/result/duration", `"PT0.001S"`}}},
	{name: "duration invalid", edits: []edit{{"/result/duration", `"PA1H0M0S"`}}, rule: "format.duration", path: "/result/duration"},
	{name: "duration weeks with days", edits: []edit{{"/result/duration", `"P4W1D"`}}, rule: "format.duration", path: "/result/duration"},
	{name: "duration alternative format", edits: []edit{{"/result/duration", `"P0003-01-29T04:35:59"`}}, rule: "format.duration", path: "/result/duration"},
	{name: "duration number", edits: []edit{{"/result/duration", `12345`}}, rule: "schema:type", path: "/result/duration"},

	// Data 2.4.6: context.
	{name: "context", edits: []edit{{"/context", `{"registration":"ec531277-b57b-4c15-8d91-d292c5b2b8f7","instructor":{"mbox":"mailto:i@example.com"},"team":{"objectType":"Group","mbox":"mailto:t@example.com"},"revision":"1","platform":"web","language":"en-US","statement":{"objectType":"StatementRef","id":"6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},"extensions":{"http://example.com/e":{"a":1}}}`}}},
	{name: "instructor group", edits: []edit{{"/context/instructor", `{"objectType":"Group","member":[{"mbox":"mailto:i@example.com"}]}`}}},
	{name: "team must be a group", edits: []edit{{"/context/team", `{"mbox":"mailto:t@example.com"}`}}, rule: "schema:required", path: "/context/team/objectType"},
	{name: "context statement not a ref", edits: []edit{{"/context/statement", `{"id":"6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}`}}, rule: "schema:required", path: "/context/statement/objectType"},
	{name: "contextActivities arrays", edits: []edit{{"/context/contextActivities", `{"parent":[{"id":"http://example.com/p"}],"grouping":[],"category":[{"id":"http://example.com/c"}],"other":[{"objectType":"Activity","id":"http://example.com/o"}]}`}}},
	{name: "contextActivities single", edits: []edit{{"/context/contextActivities/parent", `{"id":"http://example.com/p"}`}}},
	{name: "contextActivities empty", edits: []edit{{"/context/contextActivities", `{}`}}, rule: "schema:minProperties", path: "/context/contextActivities"},
	{name: "contextActivities unknown key", edits: []edit{{"/context/contextActivities/sibling", `[]`}}, rule: "schema:additionalProperties", path: "/context/contextActivities/sibling"},
	{name: "contextActivities string", edits: []edit{{"/context/contextActivities/parent", `"http://example.com/p"`}}, rule: "context.activities", path: "/context/contextActivities/parent"},
	{name: "contextActivities bad activity", edits: []edit{{"/context/contextActivities/parent", `[{"id":"p"}]`}}, rule: "format.iri", path: "/context/contextActivities/parent/0/id"},
	{name: "revision with statement ref object", edits: []edit{{"/object", `{"objectType":"StatementRef","id":"8f87ccde-bb56-4c2e-ab83-44982ef22df0"}`}, {"/context/revision", `"2"`}}, rule: "context.revision-activity-only", path: "/context/revision"},
	{name: "platform with group object", edits: []edit{{"/object", `{"objectType":"Group","member":[{"mbox":"mailto:b@example.com"}]}`}, {"/context/platform", `"web"`}}, rule: "context.platform-activity-only", path: "/context/platform"},
	{name: "platform with activity object", edits: []edit{{"/object/objectType", `"Activity"`}, {"/context/platform", `"web"`}}},
	{name: "platform inside substatement", edits: []edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},"object":{"objectType":"Agent","mbox":"mailto:b@example.com"},"context":{"platform":"web"}}`}}, rule: "context.platform-activity-only", path: "/object/context/platform"},
	{name: "extension key not IRI", edits: []edit{{"/context/extensions", `{"altitude":1}`}}, rule: "extensions.key", path: "/context/extensions/altitude"},
	// Data 2.4.6 (IEEE 9274.1.1 the same): context.language is an RFC 5646 tag.
	{name: "context language tags", edits: []edit{{"/context/language", `"vi-VN"`}}},
	{name: "context language grandfathered", edits: []edit{{"/context/language", `"i-enochian"`}}},
	{name: "context language word", edits: []edit{{"/context/language", `"something"`}}, rule: "format.language-tag", path: "/context/language"},
	{name: "context language empty", edits: []edit{{"/context/language", `""`}}, rule: "format.language-tag", path: "/context/language"},
	{name: "context language two regions", edits: []edit{{"/context/language", `"de-419-DE"`}}, rule: "format.language-tag", path: "/context/language"},
	{name: "context language underscore", edits: []edit{{"/context/language", `"en_US"`}}, rule: "format.language-tag", path: "/context/language"},
	{name: "context language number", edits: []edit{{"/context/language", `5`}}, rule: "schema:type", path: "/context/language"},
	{name: "context language inside substatement", edits: []edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/a"},"context":{"language":"something"}}`}}, rule: "format.language-tag", path: "/object/context/language"},
	{name: "context language valid inside substatement", edits: []edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/a"},"context":{"language":"en-US"}}`}}},
	{name: "contextAgents not in 1.0.3", versions: []xapi.Version{xapi.V103}, edits: []edit{{"/context/contextAgents", `[{"objectType":"contextAgent","agent":{"mbox":"mailto:c@example.com"}}]`}}, rule: "schema:additionalProperties", path: "/context/contextAgents"},
	{name: "contextAgents", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextAgents", `[{"objectType":"contextAgent","agent":{"mbox":"mailto:c@example.com"},"relevantTypes":["http://example.com/types/coach"]}]`}}},
	{name: "contextAgent objectType", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextAgents", `[{"objectType":"ContextAgent","agent":{"mbox":"mailto:c@example.com"}}]`}}, rule: "context.agent-object-type", path: "/context/contextAgents/0/objectType"},
	{name: "contextAgent without objectType", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextAgents", `[{"agent":{"mbox":"mailto:c@example.com"}}]`}}, rule: "schema:required", path: "/context/contextAgents/0/objectType"},
	{name: "contextAgent invalid agent", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextAgents", `[{"objectType":"contextAgent","agent":{"key":"Should fail"}}]`}}, rule: "schema:additionalProperties", path: "/context/contextAgents/0/agent/key"},
	{name: "contextAgent with a group", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextAgents", `[{"objectType":"contextAgent","agent":{"objectType":"Group","mbox":"mailto:t@example.com"}}]`}}, rule: "schema:const", path: "/context/contextAgents/0/agent/objectType"},
	{name: "contextAgent empty relevantTypes", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextAgents", `[{"objectType":"contextAgent","agent":{"mbox":"mailto:c@example.com"},"relevantTypes":[]}]`}}, rule: "context.relevant-types", path: "/context/contextAgents/0/relevantTypes"},
	{name: "contextAgent relevantTypes not IRI", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextAgents", `[{"objectType":"contextAgent","agent":{"mbox":"mailto:c@example.com"},"relevantTypes":["abc"]}]`}}, rule: "format.iri", path: "/context/contextAgents/0/relevantTypes/0"},
	{name: "contextGroups", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextGroups", `[{"objectType":"contextGroup","group":{"objectType":"Group","member":[{"mbox":"mailto:c@example.com"}]}}]`}}},
	{name: "contextGroup objectType", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextGroups", `[{"objectType":"Should fail","group":{"objectType":"Group","mbox":"mailto:t@example.com"}}]`}}, rule: "context.group-object-type", path: "/context/contextGroups/0/objectType"},
	{name: "contextGroup invalid group", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextGroups", `[{"objectType":"contextGroup","group":{"key":"Should fail"}}]`}}, rule: "schema:required", path: "/context/contextGroups/0/group/objectType"},
	{name: "contextGroup empty relevantTypes", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/context/contextGroups", `[{"objectType":"contextGroup","group":{"objectType":"Group","mbox":"mailto:t@example.com"},"relevantTypes":[]}]`}}, rule: "context.relevant-types", path: "/context/contextGroups/0/relevantTypes"},

	// Data 2.4.7, 2.4.8 and 4.5: timestamps.
	{name: "timestamp UTC", edits: []edit{{"/timestamp", `"2013-05-18T05:32:34.804Z"`}}},
	{name: "timestamp offset", edits: []edit{{"/timestamp", `"2013-05-18T05:32:34.804+05:30"`}}},
	{name: "timestamp space separator", edits: []edit{{"/timestamp", `"2008-09-15 15:53:00.601+00:00"`}}},
	{name: "timestamp leap day", edits: []edit{{"/timestamp", `"2024-02-29T00:00:00Z"`}}},
	{name: "timestamp not a leap day", edits: []edit{{"/timestamp", `"2023-02-29T00:00:00Z"`}}, rule: "format.timestamp", path: "/timestamp"},
	{name: "timestamp string", edits: []edit{{"/timestamp", `"should fail"`}}, rule: "format.timestamp", path: "/timestamp"},
	{name: "timestamp -00", edits: []edit{{"/timestamp", `"2008-09-15T15:53:00.601-00"`}}, rule: "format.timestamp", path: "/timestamp"},
	{name: "timestamp -0000", edits: []edit{{"/timestamp", `"2008-09-15T15:53:00.601-0000"`}}, rule: "format.timestamp", path: "/timestamp"},
	{name: "timestamp -00:00", edits: []edit{{"/timestamp", `"2008-09-15T15:53:00.601-00:00"`}}, rule: "format.timestamp", path: "/timestamp"},
	{name: "timestamp date only", edits: []edit{{"/timestamp", `"2008-09-15"`}}, rule: "format.timestamp", path: "/timestamp"},
	{name: "timestamp hour 25", edits: []edit{{"/timestamp", `"2008-09-15T25:00:00Z"`}}, rule: "format.timestamp", path: "/timestamp"},
	{name: "stored invalid", edits: []edit{{"/stored", `"yesterday"`}}, rule: "format.timestamp", path: "/stored"},
	{name: "timestamp without zone in 1.0.3", versions: []xapi.Version{xapi.V103}, edits: []edit{{"/timestamp", `"2015-11-18T12:17:00"`}}},
	{name: "timestamp without zone in 2.0.0", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/timestamp", `"2015-11-18T12:17:00"`}}, rule: "format.timestamp", path: "/timestamp"},
	{name: "timestamp without seconds in 1.0.3", versions: []xapi.Version{xapi.V103}, edits: []edit{{"/timestamp", `"2015-11-18T12:17Z"`}}},
	{name: "timestamp without seconds in 2.0.0", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/timestamp", `"2015-11-18T12:17Z"`}}, rule: "format.timestamp", path: "/timestamp"},
	{name: "timestamp basic format in 1.0.3", versions: []xapi.Version{xapi.V103}, edits: []edit{{"/timestamp", `"20151118T121700Z"`}}},
	{name: "timestamp basic format in 2.0.0", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/timestamp", `"20151118T121700Z"`}}, rule: "format.timestamp", path: "/timestamp"},

	// Data 2.4.9: authority.
	{name: "authority agent", edits: []edit{{"/authority", `{"account":{"homePage":"http://cloud.scorm.com/","name":"anonymous"},"objectType":"Agent"}`}}},
	{name: "authority oauth group", edits: []edit{{"/authority", `{"objectType":"Group","member":[{"account":{"homePage":"http://example.com/xAPI/OAuth/Token","name":"oauth_consumer_x75db"}},{"mbox":"mailto:bob@example.com"}]}`}}},
	{name: "authority group of three", edits: []edit{{"/authority", `{"objectType":"Group","member":[{"mbox":"mailto:a@example.com"},{"mbox":"mailto:b@example.com"},{"mbox":"mailto:c@example.com"}]}`}}, rule: "authority.oauth-group", path: "/authority/member"},
	{name: "authority group of one", edits: []edit{{"/authority", `{"objectType":"Group","member":[{"mbox":"mailto:a@example.com"}]}`}}, rule: "authority.oauth-group", path: "/authority/member"},
	{name: "authority identified group", edits: []edit{{"/authority", `{"objectType":"Group","openid":"http://openid.example.org/12345","member":[{"mbox":"mailto:a@example.com"},{"mbox":"mailto:b@example.com"}]}`}}, rule: "authority.oauth-group", path: "/authority/openid"},
	{name: "authority group without members", edits: []edit{{"/authority", `{"objectType":"Group","mbox":"mailto:t@example.com"}`}}, rule: "schema:required", path: "/authority/member"},
	{name: "authority not an object", edits: []edit{{"/authority", `"admin"`}}, rule: "authority.kind", path: "/authority"},

	// Data 2.4.10: version.
	{name: "version 1.0.0", edits: []edit{{"/version", `"1.0.0"`}}},
	{name: "version 1.0.9", edits: []edit{{"/version", `"1.0.9"`}}},
	{name: "version 1.0", edits: []edit{{"/version", `"1.0"`}}},
	{name: "version 0.9.9", edits: []edit{{"/version", `"0.9.9"`}}, rule: "statement.version", path: "/version"},
	{name: "version 1.1.0", edits: []edit{{"/version", `"1.1.0"`}}, rule: "statement.version", path: "/version"},
	{name: "version string", edits: []edit{{"/version", `"should fail"`}}, rule: "statement.version", path: "/version"},
	{name: "version 2.0.0 in 1.0.3", versions: []xapi.Version{xapi.V103}, edits: []edit{{"/version", `"2.0.0"`}}, rule: "statement.version", path: "/version"},
	{name: "version 2.0.0 in 2.0.0", versions: []xapi.Version{xapi.V200}, edits: []edit{{"/version", `"2.0.0"`}}},

	// Data 2.4.11 and 2.6: attachments.
	{name: "attachment", edits: []edit{{"/attachments", `[{"usageType":"http://example.com/attachment-usage/test","display":{"en-US":"A test attachment"},"description":{"en-US":"d"},"contentType":"text/plain; charset=ascii","length":27,"sha2":"495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a","fileUrl":"http://over.there.com/file.txt"}]`}}},
	{name: "attachment without sha2", edits: []edit{{"/attachments", `[{"usageType":"http://example.com/u","display":{"en":"x"},"contentType":"text/plain","length":27}]`}}, rule: "schema:required", path: "/attachments/0/sha2"},
	{name: "attachment usageType not IRI", edits: []edit{{"/attachments", `[{"usageType":"test","display":{"en":"x"},"contentType":"text/plain","length":27,"sha2":"ab"}]`}}, rule: "format.iri", path: "/attachments/0/usageType"},
	{name: "attachment display empty", edits: []edit{{"/attachments", `[{"usageType":"http://example.com/u","display":{},"contentType":"text/plain","length":27,"sha2":"ab"}]`}}, rule: "schema:minProperties", path: "/attachments/0/display"},
	{name: "attachment contentType", edits: []edit{{"/attachments", `[{"usageType":"http://example.com/u","display":{"en":"x"},"contentType":"text","length":27,"sha2":"ab"}]`}}, rule: "attachment.content-type", path: "/attachments/0/contentType"},
	{name: "attachment length fraction", edits: []edit{{"/attachments", `[{"usageType":"http://example.com/u","display":{"en":"x"},"contentType":"text/plain","length":2.5,"sha2":"ab"}]`}}, rule: "schema:type", path: "/attachments/0/length"},
	{name: "attachment length negative", edits: []edit{{"/attachments", `[{"usageType":"http://example.com/u","display":{"en":"x"},"contentType":"text/plain","length":-1,"sha2":"ab"}]`}}, rule: "attachment.length", path: "/attachments/0/length"},
	{name: "attachment sha2 empty", edits: []edit{{"/attachments", `[{"usageType":"http://example.com/u","display":{"en":"x"},"contentType":"text/plain","length":1,"sha2":""}]`}}, rule: "attachment.sha2", path: "/attachments/0/sha2"},
	{name: "attachment fileUrl", edits: []edit{{"/attachments", `[{"usageType":"http://example.com/u","display":{"en":"x"},"contentType":"text/plain","length":1,"sha2":"ab","fileUrl":"file.txt"}]`}}, rule: "format.irl", path: "/attachments/0/fileUrl"},
	{name: "signature attachment", edits: []edit{{"/attachments", `[{"usageType":"http://adlnet.gov/expapi/attachments/signature","display":{"en":"sig"},"contentType":"application/octet-stream","length":1,"sha2":"ab"}]`}}},
	{name: "signature attachment content type", edits: []edit{{"/attachments", `[{"usageType":"http://adlnet.gov/expapi/attachments/signature","display":{"en":"sig"},"contentType":"application/jose","length":1,"sha2":"ab"}]`}}, rule: "signature.content-type", path: "/attachments/0/contentType"},
}

func TestValidateStatementRules(t *testing.T) {
	for _, c := range ruleCases {
		versions := c.versions
		if versions == nil {
			versions = bothVersions
		}
		for _, v := range versions {
			t.Run(fmt.Sprintf("%s/%s", v, c.name), func(t *testing.T) {
				doc := with(t, c.edits...)
				ps := xapi.ValidateStatement(v, doc)
				if c.rule == "" {
					if len(ps) > 0 {
						t.Fatalf("want valid, got:%s", dump(ps))
					}
					return
				}
				if !hasProblem(ps, c.rule, c.path) {
					t.Fatalf("want %s at %q, got:%s", c.rule, c.path, dump(ps))
				}
			})
		}
	}
}

func TestValidateStatementNotAnObject(t *testing.T) {
	for _, v := range bothVersions {
		for _, doc := range []string{`[]`, `"x"`, `null`, `1`} {
			ps := xapi.ValidateStatement(v, decode(t, doc))
			if !hasProblem(ps, "schema:type", "") {
				t.Errorf("%s %s: want schema:type at the root, got:%s", v, doc, dump(ps))
			}
		}
	}
}

// TestProblemsAreReadable checks that every problem has a path, a rule id
// and a message, and that a statement with one mistake gets one problem.
func TestProblemsAreReadable(t *testing.T) {
	for _, c := range ruleCases {
		if c.rule == "" {
			continue
		}
		for _, v := range bothVersions {
			ps := xapi.ValidateStatement(v, with(t, c.edits...))
			for _, p := range ps {
				if p.Rule == "" || p.Message == "" {
					t.Errorf("%s %s: incomplete problem %+v", v, c.name, p)
				}
			}
		}
	}
	ps := xapi.ValidateStatement(xapi.V103, with(t, edit{"/actor/mbox", `"mailto:nobody"`}))
	if len(ps) != 1 {
		t.Errorf("one mistake, want one problem, got:%s", dump(ps))
	}
}
