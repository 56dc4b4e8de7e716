import PhanAnhCore
import SwiftUI

@MainActor
final class LoginModel: ObservableObject {
    enum Step { case phone, code }
    @Published var step: Step = .phone
    @Published var phone = ""
    @Published var code = ""
    @Published private(set) var busy = false
    @Published private(set) var error: Error?
    @Published private(set) var problems: [FieldError] = []
    @Published private(set) var resendIn = 0
    @Published private(set) var signedIn = false
    let core: CoreService

    init(core: CoreService) { self.core = core }

    func requestCode() async {
        busy = true
        defer { busy = false }
        do {
            let sent = try await core.requestOtp(phone: phone)
            phone = sent.phone // as the server normalised it
            step = .code
            problems = []
            error = nil
            await countdown()
        } catch PhanAnhError.Validation(let errors) {
            problems = errors
        } catch {
            self.error = error
        }
    }

    func verify() async {
        busy = true
        defer { busy = false }
        do {
            let user = try await core.signIn(phone: phone, code: code)
            UserDefaults.standard.set(Self.mask(user.phone), forKey: "maskedPhone")
            signedIn = true
        } catch PhanAnhError.Validation(let errors) {
            problems = errors
        } catch {
            self.error = error
        }
    }

    /// "0912345678" → "091•••••78": enough to recognise, not enough to read out.
    static func mask(_ phone: String) -> String {
        let digits = phone.filter(\.isNumber)
        guard digits.count >= 6 else { return digits }
        return String(digits.prefix(3)) + String(repeating: "•", count: digits.count - 5) + String(digits.suffix(2))
    }

    private func countdown() async {
        resendIn = 60
        while resendIn > 0 && !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 1_000_000_000)
            resendIn -= 1
        }
    }
}

struct LoginView: View {
    @StateObject var model: LoginModel
    let onDone: () -> Void

    var body: some View {
        Form {
            if let error = model.error { ErrorBanner(error: error) }
            switch model.step {
            case .phone:
                Section {
                    Text(tr("login_phone_intro"))
                    TextField(tr("login_phone"), text: $model.phone)
                        .keyboardType(.phonePad)
                        .textContentType(.telephoneNumber)
                        .font(.title3)
                        .frame(minHeight: minTouch)
                    FieldErrors(problems: model.problems.forField("phone"))
                    PrimaryButton(title: tr("login_get_code"), busy: model.busy) { Task { await model.requestCode() } }
                        .disabled(model.phone.isEmpty)
                }
            case .code:
                Section {
                    Text(tr("login_code_sent", model.phone))
                    TextField(tr("login_code", 6), text: $model.code)
                        .keyboardType(.numberPad)
                        .textContentType(.oneTimeCode)
                        .font(.title2.monospacedDigit())
                        .frame(minHeight: minTouch)
                    FieldErrors(problems: model.problems.forField("otp"))
                    PrimaryButton(title: tr("login_verify"), busy: model.busy) { Task { await model.verify() } }
                    Button(model.resendIn > 0 ? tr("login_resend_in", model.resendIn) : tr("login_resend")) {
                        Task { await model.requestCode() }
                    }
                    .disabled(model.resendIn > 0)
                    .frame(minHeight: minTouch)
                    Button(tr("login_change_phone")) { model.step = .phone }.frame(minHeight: minTouch)
                }
            }
            Section {
                Button(tr("login_skip"), action: onDone).frame(minHeight: minTouch)
                Text(tr("login_privacy")).font(.footnote).foregroundStyle(.secondary)
            }
        }
        .navigationTitle(tr("login_title"))
        .onChange(of: model.signedIn) { done in if done { onDone() } }
    }
}
