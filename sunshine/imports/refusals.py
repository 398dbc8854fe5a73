"""Why an uploaded file is refused whole: the errors shared by reading, bounding and timing it."""

from __future__ import annotations

from sunshine.errors import ContentTooLarge, Invalid


class FileRejected(Invalid):
    """The file as a whole cannot be imported; ``code`` says why, ``message`` what to fix."""

    code = "import.rejected"
    message = "文件无法导入，请检查后重新上传"

    def __init__(self, message: str, *, code: str) -> None:
        # Also a field error, so the upload form can show it next to the file input.
        super().__init__(message, code=code, fields={"file": [message]})


def bad_file(message: str = "文件已损坏或不是有效的 Excel 文件，请检查后重新上传") -> FileRejected:
    return FileRejected(message, code="import.bad_file")


class OverBudget(ContentTooLarge):
    """The import did not finish within its time budget (``IMPORT_TIME_BUDGET``): the file is
    too much for one upload."""

    code = "import.over_budget"
    message = "文件太大，无法在限定时间内导入；请分成多个文件上传"

    def __init__(self, seconds: float) -> None:
        message = (
            f"文件太大，无法在 {seconds:g} 秒内导入，未导入任何数据；请分成多个文件上传，"
            "或请管理员在服务器上用命令行导入"
        )
        super().__init__(message, fields={"file": [message]})
