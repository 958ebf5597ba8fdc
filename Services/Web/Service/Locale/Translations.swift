/// The console's words in each language, by key. Every key exists in every language (a test
/// checks it), so a page never shows a key or falls back to the other language mid-sentence.
/// Templates read them as `{{t.key}}`.
public enum Translations {
  public static func table(_ language: Language) -> [String: String] {
    switch language {
    case .ar: return arabic
    case .en: return english
    }
  }

  static let arabic: [String: String] = [
    "product": "نظام الموارد والعملاء",
    "sign_in": "تسجيل الدخول",
    "sign_out": "تسجيل الخروج",
    "tenant": "المنشأة",
    "email": "البريد الإلكتروني",
    "password": "كلمة المرور",
    "totp": "رمز التحقق (إن وُجد)",
    "other_language": "English",
    "language": "اللغة",
    "digits": "الأرقام",
    "digits_latin": "لاتينية (123)",
    "digits_arabic_indic": "عربية (١٢٣)",
    "hijri": "إظهار التاريخ الهجري",
    "save": "حفظ",
    "profile": "الملف الشخصي",
    "not_found": "الصفحة غير موجودة",
    "form_expired": "انتهت صلاحية النموذج، أعد المحاولة",
  ]

  static let english: [String: String] = [
    "product": "ERP and CRM",
    "sign_in": "Sign in",
    "sign_out": "Sign out",
    "tenant": "Company",
    "email": "Email",
    "password": "Password",
    "totp": "Verification code (if enabled)",
    "other_language": "العربية",
    "language": "Language",
    "digits": "Digits",
    "digits_latin": "Latin (123)",
    "digits_arabic_indic": "Arabic-Indic (١٢٣)",
    "hijri": "Show Hijri dates",
    "save": "Save",
    "profile": "Profile",
    "not_found": "Page not found",
    "form_expired": "The form has expired; please try again",
  ]
}
