package vn.phananh.ui.state

// What the user asks for, screen by screen. Screens call these and nothing else; the
// view-models implement them by calling the core, and the platform shell implements the ones
// that need the device (camera, gallery, permissions, navigation).

interface HomeActions {
    fun selectTab(tab: HomeTab)
    fun openReport(id: String)
    fun newReport()
    fun openOutbox()
    fun openSettings()
    fun refresh()
    fun changeFeedFilter(filter: FeedFilter)
    fun signIn()
}

interface NewReportActions {
    fun selectCategory(code: String)
    fun changeDescription(text: String)
    fun changeAnonymous(anonymous: Boolean)
    /** Open the camera for a photo (platform). */
    fun takePhoto()
    /** Open the camera for a short video (platform). */
    fun recordVideo()
    /** Open the system photo picker for earlier photos/videos (platform). */
    fun pickFromGallery()
    fun removeAttachment(id: String)
    fun refreshLocation()
    fun chooseLocation(candidateId: String)
    /** Open the pin-adjust screen. */
    fun adjustLocation()
    /** Ask for the location permission again (platform). */
    fun requestLocationPermission()
    fun submit()
    fun close()
}

interface LocationPickerActions {
    /** The pin now points at this position (the core names the ward again). */
    fun movePin(lat: Double, lon: Double)
    fun recenterOnDevice()
    fun confirm()
    fun cancel()
}

interface OutboxActions {
    fun retry(clientId: String)
    fun cancel(clientId: String)
    fun retryAll()
    fun open(clientId: String)
    fun back()
}

interface ReportDetailActions {
    fun rate()
    fun openPhoto(photo: PhotoRef)
    fun refresh()
    fun back()
}

interface RatingActions {
    fun selectLevel(value: Int)
    fun changeComment(text: String)
    fun changeReopen(reopen: Boolean)
    fun submit()
    fun back()
}

interface LoginActions {
    fun changePhone(phone: String)
    fun requestCode()
    fun changeCode(code: String)
    fun verify()
    fun resendCode()
    fun editPhone()
    /** Continue without signing in (public feed only). */
    fun skip()
}

interface SettingsActions {
    fun changeLanguage(language: AppLanguage)
    fun changeWifiOnlyVideo(enabled: Boolean)
    fun changeNotifications(enabled: Boolean)
    fun signIn()
    fun signOut()
    fun back()
}
