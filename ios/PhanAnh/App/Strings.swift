import Foundation

/// Languages of the app; Vietnamese first.
enum AppLanguage: String, CaseIterable, Identifiable {
    case vi
    case en
    var id: String { rawValue }
    var locale: Locale { Locale(identifier: rawValue) }
}

/// Every text comes from Localizable.xcstrings, generated from the Android string resources
/// (ios/scripts/gen-strings.py), so both apps say the same thing. The user may pick a language
/// in the app that differs from the phone's, hence the explicit .lproj bundle.
@MainActor
final class Strings: ObservableObject {
    static let shared = Strings()

    @Published private(set) var language: AppLanguage
    private var bundle: Bundle

    private init() {
        let saved = UserDefaults.standard.string(forKey: "language").flatMap(AppLanguage.init(rawValue:))
        let system: AppLanguage = Locale.preferredLanguages.first?.hasPrefix("en") == true ? .en : .vi
        let lang = saved ?? system
        language = lang
        bundle = Strings.bundle(for: lang)
    }

    func setLanguage(_ lang: AppLanguage) {
        UserDefaults.standard.set(lang.rawValue, forKey: "language")
        language = lang
        bundle = Strings.bundle(for: lang)
    }

    func format(_ key: String, _ args: [CVarArg]) -> String {
        let pattern = bundle.localizedString(forKey: key, value: key, table: nil)
        return args.isEmpty ? pattern : String(format: pattern, locale: language.locale, arguments: args)
    }

    private static func bundle(for lang: AppLanguage) -> Bundle {
        Bundle.main.path(forResource: lang.rawValue, ofType: "lproj").flatMap(Bundle.init(path:)) ?? .main
    }
}

/// The text of `key` (same keys as Android's strings.xml) in the app's language.
@MainActor
func tr(_ key: String, _ args: CVarArg...) -> String {
    Strings.shared.format(key, args)
}
