// Package vocab names the xAPI vocabulary of the "Bình dân học vụ số"
// campaign: the verbs, activity types and context extensions that content
// and the portal put in statements so that progress can be counted by
// target group, commune and course. The same IRIs are published as an xAPI
// Profile in schemas/profiledoc (docs/vocabulary.md explains them).
//
// ADL and cmi5 terms are reused where they fit; the campaign's own terms
// live under https://w3id.org/hocvu/xapi/.
package vocab

// Base of the campaign's own IRIs.
const Base = "https://w3id.org/hocvu/xapi/"

// Verbs.
const (
	VerbLaunched    = "http://adlnet.gov/expapi/verbs/launched"
	VerbInitialized = "http://adlnet.gov/expapi/verbs/initialized"
	VerbProgressed  = "http://adlnet.gov/expapi/verbs/progressed"
	VerbCompleted   = "http://adlnet.gov/expapi/verbs/completed"
	VerbPassed      = "http://adlnet.gov/expapi/verbs/passed"
	VerbFailed      = "http://adlnet.gov/expapi/verbs/failed"
	VerbTerminated  = "http://adlnet.gov/expapi/verbs/terminated"
	// VerbVoided is reserved by xAPI itself (lrs/xapi.VerbVoided), named
	// here too because campaign code speaks of it.
	VerbVoided = "http://adlnet.gov/expapi/verbs/voided"
	// VerbEarned: the learner earned a certificate (the object is the
	// certificate activity).
	VerbEarned = Base + "verbs/earned"
)

// Activity types.
const (
	TypeCourse      = "http://adlnet.gov/expapi/activities/course"
	TypeLesson      = "http://adlnet.gov/expapi/activities/lesson"
	TypeAssessment  = "http://adlnet.gov/expapi/activities/assessment"
	TypeCertificate = Base + "activity-types/certificate"
	// TypeVNeIDConfirmation is the confirmation, on the national VNeID
	// platform, that a person has the basic digital skills (the plan's
	// "xác nhận trên nền tảng VNeID"): "earned" on such an activity
	// records it, as the VNeID integration or the province reports it.
	TypeVNeIDConfirmation = Base + "activity-types/vneid-confirmation"
)

// Context extensions (keys of context.extensions).
const (
	// ExtProvince is the province code (GSO administrative code).
	ExtProvince = Base + "ext/province"
	// ExtCommune is the commune/ward code (GSO administrative code).
	ExtCommune = Base + "ext/commune"
	// ExtTargetGroup is one of the TargetGroup values.
	ExtTargetGroup = Base + "ext/target-group"
	// ExtSubgroups is an array of Subgroup values.
	ExtSubgroups = Base + "ext/subgroups"
	// ExtHousehold is a pseudonymous household id ("digital family").
	ExtHousehold = Base + "ext/household"
	// ExtTeam is the community digital-technology team id.
	ExtTeam = Base + "ext/community-team"
	// ExtMentor is the account name of the learner's digital ambassador.
	ExtMentor = Base + "ext/mentor"
)

// Activity definition extensions.
const (
	// ExtExpectedDuration is the lesson's nominal length as an ISO 8601
	// duration (integrity signals compare result.duration with it).
	ExtExpectedDuration = Base + "ext/expected-duration"
)

// Attachment usage types.
const (
	AttachmentCertificate = Base + "attachments/certificate"
)

// Target groups of the provincial plan.
const (
	GroupPublicStaff = "public-staff" // cán bộ, công chức, viên chức, người lao động khu vực công
	GroupStudent     = "student"      // học sinh, sinh viên
	GroupWorker      = "worker"       // người lao động trong doanh nghiệp, hợp tác xã
	GroupCitizen     = "citizen"      // người dân (người trưởng thành)
)

// TargetGroups lists the groups in the plan's order.
var TargetGroups = []string{GroupPublicStaff, GroupStudent, GroupWorker, GroupCitizen}

// Sub-groups named by the plan (values of ExtSubgroups).
const (
	SubgroupElderly        = "elderly"
	SubgroupDisability     = "disability"
	SubgroupEthnicMinority = "ethnic-minority"
	SubgroupPoor           = "poor"
	SubgroupRemote         = "remote"
	SubgroupTrader         = "small-trader"
	SubgroupFarmer         = "farmer"
)
