from django import forms

MAX_P12_BYTES = 64 * 1024
MAX_CHECK_FILES = 50
MAX_CHECK_BYTES = 20 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            if not data and self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else single(data, initial)


class CertificateUploadForm(forms.Form):
    file = forms.FileField(
        label="電子証明書ファイル（.p12 / .pfx）",
        help_text="秘密鍵を含むPKCS#12形式のファイルです。秘密鍵は暗号化して保存し、二度と表示しません。",
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
        error_messages={"required": "電子証明書ファイルを選んでください。"},
    )
    password = forms.CharField(
        label="パスワード",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="証明書ファイルのパスワード（発行時に受け取ったもの）。",
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_P12_BYTES:
            raise forms.ValidationError(
                "ファイルが大きすぎます（64KBまで）。電子証明書ファイル（.p12 / .pfx）を選んでください。"
            )
        return f


class CsvFilesForm(forms.Form):
    files = MultipleFileField(
        label="CSVファイル",
        help_text="標準仕様のCSVファイル、またはそれをまとめたZIPファイルを1つ以上選ぶか、ここにドラッグ＆ドロップしてください（複数可）。",
        widget=MultipleFileInput(attrs={"accept": ".csv,.CSV,.zip,.ZIP,text/csv,application/zip", "multiple": True}),
        error_messages={"required": "CSVファイルを1つ以上選んでください。"},
    )
    lenient = forms.BooleanField(
        label="他のソフトによくある書き方の違いを読み替えて確認する（取込時と同じ確認）",
        required=False,
        help_text='CSVバージョン202410・202504、"で囲まれていないフリーテキスト、UTF-8の文字コードなど、意味が一つに決まるものは警告として表示します。',
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_CHECK_FILES:
            raise forms.ValidationError(
                f"一度に選べるのは{MAX_CHECK_FILES}ファイルまでです（{len(files)}ファイル選ばれています）。"
            )
        if sum(f.size for f in files) > MAX_CHECK_BYTES:
            raise forms.ValidationError("ファイルの合計が大きすぎます（20MBまで）。何回かに分けてください。")
        return files
