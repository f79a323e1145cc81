package simulate

import "time"

// Course is one course of the campaign's catalogue.
type Course struct {
	Slug    string
	NameVI  string
	NameEN  string
	Lessons []Lesson
	// Questions of the final quiz and the score needed to pass it.
	Questions, PassScore int
	// affinity weighs the course per target group (public-staff,
	// student, worker, citizen); subBoost multiplies it for sub-groups.
	affinity [4]float64
	subBoost map[uint8]float64
}

// Lesson is one lesson of a course.
type Lesson struct {
	NameVI   string
	Expected time.Duration
}

// Catalog is the course catalogue: the practical content the 2026
// directions ask for (public services, e-payments, scam prevention, AI),
// the basics, the 4T digital market model and training for officials.
var Catalog = []Course{
	{Slug: "ky-nang-so-co-ban", NameVI: "Kỹ năng số cơ bản", NameEN: "Digital skills basics",
		Lessons: []Lesson{{"Làm quen với điện thoại thông minh", 12 * time.Minute}, {"Kết nối Internet và Wi-Fi an toàn", 10 * time.Minute},
			{"Tìm kiếm thông tin trên mạng", 12 * time.Minute}, {"Nhắn tin, gọi video và mạng xã hội", 15 * time.Minute},
			{"Thư điện tử và lưu trữ đám mây", 15 * time.Minute}, {"Bảo vệ tài khoản và mật khẩu", 12 * time.Minute}},
		affinity: [4]float64{1.0, 1.0, 1.0, 1.6}, subBoost: map[uint8]float64{subElderly: 1.5}},
	{Slug: "dich-vu-cong-vneid", NameVI: "Dịch vụ công trực tuyến và VNeID", NameEN: "Online public services and VNeID",
		Lessons: []Lesson{{"Cài đặt và kích hoạt VNeID mức độ 2", 15 * time.Minute}, {"Tích hợp giấy tờ vào VNeID", 12 * time.Minute},
			{"Cổng Dịch vụ công quốc gia", 18 * time.Minute}, {"Nộp hồ sơ và thanh toán lệ phí trực tuyến", 20 * time.Minute},
			{"Tra cứu kết quả và phản ánh, kiến nghị", 10 * time.Minute}},
		affinity: [4]float64{0.8, 0.5, 1.0, 1.5}},
	{Slug: "thanh-toan-dien-tu", NameVI: "Thanh toán điện tử an toàn", NameEN: "Safe e-payments",
		Lessons: []Lesson{{"Mở tài khoản ngân hàng số", 12 * time.Minute}, {"Chuyển tiền bằng mã QR", 10 * time.Minute},
			{"Thanh toán hóa đơn điện, nước", 12 * time.Minute}, {"Ví điện tử và Mobile Money", 12 * time.Minute},
			{"Giữ an toàn khi giao dịch", 15 * time.Minute}},
		affinity: [4]float64{0.6, 0.6, 1.1, 1.3}, subBoost: map[uint8]float64{subTrader: 2}},
	{Slug: "phong-chong-lua-dao", NameVI: "Nhận diện và phòng chống lừa đảo trực tuyến", NameEN: "Recognising and preventing online scams",
		Lessons: []Lesson{{"Các chiêu trò lừa đảo phổ biến", 15 * time.Minute}, {"Cuộc gọi giả danh công an, ngân hàng", 12 * time.Minute},
			{"Đường link và ứng dụng giả mạo", 12 * time.Minute}, {"Xử lý khi bị lừa đảo", 10 * time.Minute}},
		affinity: [4]float64{0.9, 1.0, 1.0, 1.3}, subBoost: map[uint8]float64{subElderly: 1.6}},
	{Slug: "tri-tue-nhan-tao", NameVI: "Trí tuệ nhân tạo (AI) cơ bản", NameEN: "AI basics",
		Lessons: []Lesson{{"AI là gì?", 12 * time.Minute}, {"Trò chuyện với trợ lý AI", 15 * time.Minute},
			{"Viết câu lệnh (prompt) hiệu quả", 18 * time.Minute}, {"Dùng AI trong học tập và công việc", 20 * time.Minute},
			{"Dùng AI có trách nhiệm", 12 * time.Minute}},
		affinity: [4]float64{1.4, 1.3, 0.6, 0.4}},
	{Slug: "an-toan-thong-tin", NameVI: "An toàn thông tin và bảo vệ dữ liệu cá nhân", NameEN: "Information security and personal data protection",
		Lessons: []Lesson{{"Dữ liệu cá nhân là gì?", 10 * time.Minute}, {"Mật khẩu mạnh và xác thực hai lớp", 12 * time.Minute},
			{"Quyền riêng tư trên mạng xã hội", 12 * time.Minute}, {"Quy định về bảo vệ dữ liệu cá nhân", 15 * time.Minute}},
		affinity: [4]float64{1.1, 1.0, 0.7, 0.5}},
	{Slug: "cho-so-nong-thon-so", NameVI: "Chợ số – Nông thôn số (mô hình 4T)", NameEN: "Digital market, digital countryside (4T)",
		Lessons: []Lesson{{"Bán hàng trên sàn thương mại điện tử", 20 * time.Minute}, {"Livestream bán nông sản", 18 * time.Minute},
			{"Thanh toán không dùng tiền mặt tại chợ", 12 * time.Minute}, {"Tiết kiệm số", 10 * time.Minute},
			{"Truy xuất nguồn gốc sản phẩm", 15 * time.Minute}},
		affinity: [4]float64{0.1, 0.1, 0.4, 0.6}, subBoost: map[uint8]float64{subTrader: 6, subFarmer: 3}},
	{Slug: "chinh-quyen-so", NameVI: "Kỹ năng số cho cán bộ, công chức", NameEN: "Digital skills for public servants",
		Lessons: []Lesson{{"Văn bản điện tử và chữ ký số", 20 * time.Minute}, {"Hệ thống quản lý văn bản và điều hành", 18 * time.Minute},
			{"Họp trực tuyến", 12 * time.Minute}, {"Dữ liệu và báo cáo số", 15 * time.Minute},
			{"Ứng dụng AI trong công vụ", 20 * time.Minute}, {"An toàn thông tin trong cơ quan nhà nước", 15 * time.Minute}},
		affinity: [4]float64{4.0, 0, 0, 0}},
	{Slug: "suc-khoe-so", NameVI: "Chăm sóc sức khỏe trực tuyến", NameEN: "Online health care",
		Lessons: []Lesson{{"Sổ sức khỏe điện tử trên VNeID", 12 * time.Minute}, {"Đặt lịch khám bệnh trực tuyến", 10 * time.Minute},
			{"Khám bệnh từ xa", 12 * time.Minute}, {"Thông tin sức khỏe đáng tin cậy", 10 * time.Minute}},
		affinity: [4]float64{0.2, 0.1, 0.4, 0.8}, subBoost: map[uint8]float64{subElderly: 3}},
}

func init() {
	for i := range Catalog {
		Catalog[i].Questions, Catalog[i].PassScore = 10, 7
	}
}
