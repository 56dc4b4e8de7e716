package vn.phananh.ui.desktop

import vn.phananh.ui.state.*

/** Intents that go nowhere: the renders only show state. */
object NoActions : HomeActions, NewReportActions, LocationPickerActions, OutboxActions, ReportDetailActions,
    RatingActions, LoginActions, SettingsActions {
    override fun selectTab(tab: HomeTab) {}
    override fun openReport(id: String) {}
    override fun newReport() {}
    override fun openOutbox() {}
    override fun openSettings() {}
    override fun refresh() {}
    override fun changeFeedFilter(filter: FeedFilter) {}
    override fun signIn() {}
    override fun selectCategory(code: String) {}
    override fun changeDescription(text: String) {}
    override fun changeAnonymous(anonymous: Boolean) {}
    override fun takePhoto() {}
    override fun recordVideo() {}
    override fun pickFromGallery() {}
    override fun removeAttachment(id: String) {}
    override fun refreshLocation() {}
    override fun chooseLocation(candidateId: String) {}
    override fun adjustLocation() {}
    override fun requestLocationPermission() {}
    override fun submit() {}
    override fun close() {}
    override fun movePin(lat: Double, lon: Double) {}
    override fun recenterOnDevice() {}
    override fun confirm() {}
    override fun cancel() {}
    override fun retry(clientId: String) {}
    override fun cancel(clientId: String) {}
    override fun retryAll() {}
    override fun open(clientId: String) {}
    override fun back() {}
    override fun rate() {}
    override fun openPhoto(photo: PhotoRef) {}
    override fun selectLevel(value: Int) {}
    override fun changeComment(text: String) {}
    override fun changeReopen(reopen: Boolean) {}
    override fun changePhone(phone: String) {}
    override fun requestCode() {}
    override fun changeCode(code: String) {}
    override fun verify() {}
    override fun resendCode() {}
    override fun editPhone() {}
    override fun skip() {}
    override fun changeLanguage(language: AppLanguage) {}
    override fun changeWifiOnlyVideo(enabled: Boolean) {}
    override fun changeNotifications(enabled: Boolean) {}
    override fun signOut() {}
}
