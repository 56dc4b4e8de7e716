import AVFoundation
import SwiftUI
import UIKit

enum CaptureKind { case photo, video }

/// In-app camera (AVFoundation): one photo, or a video stopped automatically at the province's
/// limit. Writes to a temporary file and hands its URL back.
struct CameraCaptureView: UIViewControllerRepresentable {
    let kind: CaptureKind
    let maxVideoSeconds: Int
    let onCaptured: (URL) -> Void
    let onCancel: () -> Void

    func makeUIViewController(context: Context) -> CameraViewController {
        CameraViewController(kind: kind, maxVideoSeconds: maxVideoSeconds, onCaptured: onCaptured, onCancel: onCancel)
    }

    func updateUIViewController(_ controller: CameraViewController, context: Context) {}
}

final class CameraViewController: UIViewController, AVCapturePhotoCaptureDelegate, AVCaptureFileOutputRecordingDelegate {
    private let kind: CaptureKind
    private let maxVideoSeconds: Int
    private let onCaptured: (URL) -> Void
    private let onCancel: () -> Void
    private let session = AVCaptureSession()
    private let photoOutput = AVCapturePhotoOutput()
    private let movieOutput = AVCaptureMovieFileOutput()
    private let sessionQueue = DispatchQueue(label: "vn.phananh.camera")
    private var preview: AVCaptureVideoPreviewLayer?
    private let shutter = UIButton(type: .system)
    private let close = UIButton(type: .system)

    init(kind: CaptureKind, maxVideoSeconds: Int, onCaptured: @escaping (URL) -> Void, onCancel: @escaping () -> Void) {
        self.kind = kind
        self.maxVideoSeconds = maxVideoSeconds
        self.onCaptured = onCaptured
        self.onCancel = onCancel
        super.init(nibName: nil, bundle: nil)
    }

    required init?(coder: NSCoder) { nil }

    override func viewDidLoad() {
        super.viewDidLoad()
        view.backgroundColor = .black
        let layer = AVCaptureVideoPreviewLayer(session: session)
        layer.videoGravity = .resizeAspectFill
        view.layer.addSublayer(layer)
        preview = layer

        var config = UIButton.Configuration.filled()
        config.title = kind == .photo ? tr("camera_shutter") : tr("camera_record")
        config.buttonSize = .large
        shutter.configuration = config
        shutter.titleLabel?.adjustsFontForContentSizeCategory = true
        shutter.addTarget(self, action: #selector(shutterTapped), for: .touchUpInside)
        close.setImage(UIImage(systemName: "xmark"), for: .normal)
        close.tintColor = .white
        close.accessibilityLabel = tr("action_close")
        close.addTarget(self, action: #selector(closeTapped), for: .touchUpInside)
        for v in [shutter, close] {
            v.translatesAutoresizingMaskIntoConstraints = false
            view.addSubview(v)
        }
        NSLayoutConstraint.activate([
            shutter.centerXAnchor.constraint(equalTo: view.centerXAnchor),
            shutter.bottomAnchor.constraint(equalTo: view.safeAreaLayoutGuide.bottomAnchor, constant: -24),
            shutter.heightAnchor.constraint(greaterThanOrEqualToConstant: 60),
            close.leadingAnchor.constraint(equalTo: view.safeAreaLayoutGuide.leadingAnchor, constant: 8),
            close.topAnchor.constraint(equalTo: view.safeAreaLayoutGuide.topAnchor, constant: 8),
            close.widthAnchor.constraint(equalToConstant: 56),
            close.heightAnchor.constraint(equalToConstant: 56),
        ])
        sessionQueue.async { self.configure() }
    }

    override func viewDidLayoutSubviews() {
        super.viewDidLayoutSubviews()
        preview?.frame = view.bounds
    }

    override func viewWillDisappear(_ animated: Bool) {
        super.viewWillDisappear(animated)
        sessionQueue.async { self.session.stopRunning() }
    }

    private func configure() {
        session.beginConfiguration()
        session.sessionPreset = kind == .photo ? .photo : .hd1280x720
        if let camera = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back),
           let input = try? AVCaptureDeviceInput(device: camera), session.canAddInput(input) {
            session.addInput(input)
        }
        if kind == .video, let mic = AVCaptureDevice.default(for: .audio),
           let input = try? AVCaptureDeviceInput(device: mic), session.canAddInput(input) {
            session.addInput(input) // without microphone permission the video is silent
        }
        if kind == .photo, session.canAddOutput(photoOutput) { session.addOutput(photoOutput) }
        if kind == .video, session.canAddOutput(movieOutput) {
            session.addOutput(movieOutput)
            movieOutput.maxRecordedDuration = CMTime(seconds: Double(maxVideoSeconds), preferredTimescale: 600)
        }
        session.commitConfiguration()
        session.startRunning()
    }

    @objc private func closeTapped() {
        if movieOutput.isRecording { movieOutput.stopRecording() }
        onCancel()
    }

    @objc private func shutterTapped() {
        switch kind {
        case .photo:
            photoOutput.capturePhoto(with: AVCapturePhotoSettings(), delegate: self)
        case .video:
            if movieOutput.isRecording {
                movieOutput.stopRecording()
            } else {
                let url = MediaImport.temporaryURL(ext: "mov")
                movieOutput.startRecording(to: url, recordingDelegate: self)
                var config = shutter.configuration
                config?.title = tr("camera_stop")
                shutter.configuration = config
            }
        }
    }

    func photoOutput(_ output: AVCapturePhotoOutput, didFinishProcessingPhoto photo: AVCapturePhoto, error: Error?) {
        guard error == nil, let data = photo.fileDataRepresentation() else { return }
        let url = MediaImport.temporaryURL(ext: "jpg")
        do {
            try data.write(to: url, options: .atomic)
            onCaptured(url)
        } catch {
            MediaImport.discard(url)
        }
    }

    func fileOutput(_ output: AVCaptureFileOutput, didFinishRecordingTo outputFileURL: URL, from connections: [AVCaptureConnection], error: Error?) {
        // Reaching maxRecordedDuration ends with an error whose userInfo says the file is complete.
        let finished = (error as NSError?)?.userInfo[AVErrorRecordingSuccessfullyFinishedKey] as? Bool ?? (error == nil)
        if finished { onCaptured(outputFileURL) } else { MediaImport.discard(outputFileURL) }
    }
}
