import Foundation
import PhanAnhCore

// Turning core values into words, all through the string catalog (same keys as Android).

@MainActor
func statusText(_ status: ReportStatus) -> String {
    switch status {
    case .received: return tr("status_received")
    case .forwarded: return tr("status_forwarded")
    case .inProgress: return tr("status_in_progress")
    case .resolved: return tr("status_resolved")
    case .closed: return tr("status_closed")
    case .rejected: return tr("status_rejected")
    case .duplicate: return tr("status_duplicate")
    case .reopened: return tr("status_reopened")
    }
}

@MainActor
func deliveryText(_ state: LocalState) -> String {
    switch state {
    case .draft: return tr("delivery_draft")
    case .queued: return tr("delivery_queued")
    case .uploading: return tr("delivery_uploading")
    case .submitted: return tr("delivery_submitted")
    case .failed(let failure): return failureIsRetryable(code: failure.code) ? tr("delivery_failed_retrying") : tr("delivery_failed")
    }
}

/// A core error as one sentence the user can act on.
@MainActor
func errorText(_ error: Error) -> String {
    // uniffi names error cases like the Rust variants (Offline, Storage, ...).
    guard let error = error as? PhanAnhError else { return tr("error_internal") }
    switch error {
    case .Offline: return tr("error_offline")
    case .Validation: return tr("error_validation")
    case .NotFound: return tr("error_not_found")
    case .Unauthorized: return tr("error_unauthorized")
    case .Forbidden: return tr("error_forbidden")
    case .Storage(let problem):
        switch problem {
        case .full: return tr("error_storage_full")
        case .damaged: return tr("error_storage_damaged")
        case .io: return tr("error_storage_io")
        }
    case .Media(let reason): return tr("error_media", reason)
    case .InvalidState: return tr("error_invalid_state")
    case .Server(let status): return tr("error_server", Int(status))
    case .Cancelled: return tr("error_cancelled")
    case .Internal: return tr("error_internal")
    }
}

@MainActor
func problemText(_ problem: FieldError) -> String {
    switch problem.reason {
    case .required: return tr("problem_required")
    case .tooShort(let min): return tr("problem_too_short", Int(min))
    case .tooLong(let max): return tr("problem_too_long", Int(max))
    case .unknownCategory: return tr("problem_unknown_category")
    case .tooMany(let max): return tr("problem_too_many", Int(max))
    case .tooFew(let min): return tr("problem_too_few", Int(min))
    case .tooLarge(let maxBytes): return tr("problem_too_large", megabytes(Int64(maxBytes)))
    case .outOfRange: return tr("problem_out_of_range")
    case .invalid: return tr("problem_invalid")
    }
}

@MainActor
func warningText(_ warning: LocationWarning) -> String {
    switch warning {
    case .outsideProvince: return tr("warning_outside_province")
    case .poorAccuracy(let accuracyM): return tr("warning_poor_accuracy", Int(accuracyM))
    case .staleFix(let ageS): return tr("warning_stale_fix", max(1, Int(ageS) / 60))
    case .photoFar(let distanceM): return tr("warning_photo_far", distanceText(distanceM))
    case .photoStale(let ageDays): return tr("warning_photo_old", Int(ageDays))
    }
}

@MainActor
func dateTimeText(_ date: Date) -> String {
    let f = DateFormatter()
    f.locale = Strings.shared.language.locale
    f.dateFormat = Strings.shared.language == .vi ? "HH:mm, dd/MM/yyyy" : "d MMM yyyy, HH:mm"
    return f.string(from: date)
}

@MainActor
func megabytes(_ bytes: Int64) -> String {
    let locale = Strings.shared.language.locale
    if bytes < 1_000_000 { return String(format: "%lld KB", locale: locale, (bytes + 999) / 1000) }
    return String(format: "%.1f MB", locale: locale, Double(bytes) / 1_000_000)
}

@MainActor
func distanceText(_ meters: Double) -> String {
    let locale = Strings.shared.language.locale
    return meters < 1000 ? String(format: "%lld m", locale: locale, Int64(meters)) : String(format: "%.1f km", locale: locale, meters / 1000)
}

extension Category {
    @MainActor var name: String { Strings.shared.language == .vi ? nameVi : (nameEn.isEmpty ? nameVi : nameEn) }
}

extension RatingLevel {
    @MainActor var label: String { Strings.shared.language == .vi ? labelVi : (labelEn.isEmpty ? labelVi : labelEn) }
}

/// SF Symbol for a category code; the name is always shown next to it.
func categorySymbol(_ code: String) -> String {
    switch code {
    case "giao_thong": return "car.fill"
    case "moi_truong": return "trash.fill"
    case "trat_tu_do_thi": return "building.2.fill"
    case "xay_dung": return "hammer.fill"
    case "dien_chieu_sang": return "lightbulb.fill"
    case "cap_thoat_nuoc": return "drop.fill"
    case "an_ninh_trat_tu": return "shield.fill"
    case "an_sinh_xa_hoi": return "person.2.fill"
    case "y_te": return "cross.case.fill"
    case "giao_duc": return "graduationcap.fill"
    case "thu_tuc_hanh_chinh": return "doc.text.fill"
    default: return "ellipsis.circle.fill"
    }
}

/// Why an outbox item stopped, localized from its typed code (the core's English `detail` is
/// for support and never shown).
@MainActor
func failureText(_ failure: OutboxFailure) -> String {
    switch failure.code {
    case .rejected: return tr("failure_rejected")
    case .forbidden: return tr("failure_forbidden")
    case .tooLarge: return tr("failure_too_large")
    case .media: return tr("failure_media")
    case .notFound: return tr("failure_not_found")
    case .conflict: return tr("failure_conflict")
    case .interrupted: return tr("failure_interrupted")
    case .other: return tr("failure_other")
    }
}
