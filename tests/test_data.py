"""``Data`` and ``load_csv``: good files, and a clear error naming the place for each bad one."""

import re

import numpy
import pytest

from tutor.csvfile import load_csv
from tutor.data import Data, DataError


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def fails(path, match, **kwargs):
    """load_csv(path) raises a DataError naming the file and matching ``match``."""
    with pytest.raises(DataError, match=match) as error:
        load_csv(path, **kwargs)
    assert str(error.value).startswith(f"{path}: ")
    assert error.value.path == str(path)
    return error.value


GOOD = "income,age,y\n10,30,1.5\n20,40,2.5\n30,50,4\n"


def test_good_csv_with_default_target_and_features(tmp_path):
    path = write(tmp_path, GOOD)
    data = load_csv(path)
    assert data.features == ("income", "age") and data.targets == ("y",)
    assert data.X.dtype == numpy.float64 and data.X.shape == (3, 2)
    assert data.X.tolist() == [[10, 30], [20, 40], [30, 50]]
    assert data.Y.tolist() == [1.5, 2.5, 4.0]
    assert data.n == 3 and data.k == 2 and data.m == 1
    assert data.source == str(path) and data.means is None and data.stds is None
    assert "3 rows, 2 features (income, age) → target y" in data.describe()


def test_default_target_is_the_last_column_without_a_y(tmp_path):
    data = load_csv(write(tmp_path, "a,b,wage\n1,2,3\n4,5,6\n"))
    assert data.targets == ("wage",) and data.features == ("a", "b")
    assert data.Y.tolist() == [3.0, 6.0]


def test_a_column_named_y_is_the_default_target_wherever_it_is(tmp_path):
    data = load_csv(write(tmp_path, "y,a,b\n1,2,3\n4,5,6\n"))
    assert data.targets == ("y",) and data.features == ("a", "b")
    assert data.X.tolist() == [[2, 3], [5, 6]]


def test_explicit_target_and_features(tmp_path):
    path = write(tmp_path, GOOD)
    data = load_csv(path, target="age", features=["y", "income"])
    assert data.features == ("y", "income") and data.targets == ("age",)
    assert data.X.tolist() == [[1.5, 10], [2.5, 20], [4, 30]]
    assert data.Y.tolist() == [30, 40, 50]
    assert load_csv(path, features=["age"]).X.tolist() == [[30], [40], [50]]


def test_several_targets(tmp_path):
    data = load_csv(write(tmp_path, "x,y_1,y_2\n0,1,0\n1,0,1\n2,1,0\n"), target=["y_1", "y_2"])
    assert data.features == ("x",) and data.targets == ("y_1", "y_2")
    assert data.Y.shape == (3, 2) and data.Y.tolist() == [[1, 0], [0, 1], [1, 0]]


def test_unused_text_columns_are_ignored(tmp_path):
    data = load_csv(write(tmp_path, "name,x,y\nann,1,2\nbob,3,4\n"), features=["x"])
    assert data.X.tolist() == [[1], [3]]


def test_standardize(tmp_path):
    path = write(tmp_path, GOOD)
    raw = load_csv(path)
    data = load_csv(path, standardize=True)
    numpy.testing.assert_allclose(data.X.mean(axis=0), 0, atol=1e-12)
    numpy.testing.assert_allclose(data.X.std(axis=0), 1)
    assert data.means == pytest.approx((20, 40)) and data.stds == pytest.approx(raw.X.std(axis=0))
    numpy.testing.assert_allclose(data.X * data.stds + numpy.array(data.means), raw.X)
    numpy.testing.assert_array_equal(data.Y, raw.Y)  # the target is not scaled
    assert "standardized" in data.describe()


def test_standardized_returns_a_new_data_and_keeps_the_original():
    X = numpy.array([[1.0, 10.0], [2.0, 30.0], [6.0, 20.0]])
    data = Data(X.copy(), numpy.zeros(3), ("a", "b"), ("y",), "test")
    scaled, means, stds = data.standardized()
    numpy.testing.assert_array_equal(data.X, X)  # untouched
    numpy.testing.assert_allclose(means, X.mean(axis=0))
    numpy.testing.assert_allclose(stds, X.std(axis=0))
    numpy.testing.assert_allclose(scaled.X, (X - means) / stds)
    assert scaled.features == data.features and scaled.source == data.source


def test_data_checks_its_shapes():
    with pytest.raises(ValueError, match="3 rows but Y has 2"):
        Data(numpy.zeros((3, 1)), numpy.zeros(2), ("x",), ("y",), "test")
    with pytest.raises(ValueError, match="2 feature names for 1 columns"):
        Data(numpy.zeros((3, 1)), numpy.zeros(3), ("a", "b"), ("y",), "test")
    with pytest.raises(ValueError, match="1 target names for 2 columns"):
        Data(numpy.zeros((3, 1)), numpy.zeros((3, 2)), ("x",), ("y",), "test")


def test_constant_column_cannot_be_standardized():
    data = Data(numpy.array([[1.0, 5.0], [2.0, 5.0]]), numpy.zeros(2), ("a", "b"), ("y",), "test")
    with pytest.raises(ValueError, match=r"column 'b' \(2\) is constant"):
        data.standardized()


def test_quoted_fields_crlf_blank_lines_and_trailing_newline(tmp_path):
    text = '"x 1","x,2",y\r\n"1.5","2",3\r\n\r\n" 4 ","5","6"\r\n\n'
    data = load_csv(write(tmp_path, text))
    assert data.features == ("x 1", "x,2") and data.X.tolist() == [[1.5, 2.0], [4.0, 5.0]]
    assert data.Y.tolist() == [3.0, 6.0]
    data = load_csv(write(tmp_path, 'a,"b",c\n1,"2",3\n4,5,"6"\n'))
    assert data.X.tolist() == [[1, 2], [4, 5]]


def test_byte_order_mark_and_semicolons(tmp_path):
    data = load_csv(write(tmp_path, "\ufeffa;b;y\n1;2;3\n4;5;6\n"))
    assert data.features == ("a", "b") and data.X.tolist() == [[1, 2], [4, 5]]
    data = load_csv(write(tmp_path, "a\ty\n1\t2\n3\t4\n"))
    assert data.features == ("a",) and data.Y.tolist() == [2, 4]


def test_numbers_in_many_spellings(tmp_path):
    data = load_csv(write(tmp_path, "x,y\n 1e3 ,-0.5\n+2,.25\n1_000,-3E-2\n"))
    assert data.X.ravel().tolist() == [1000, 2, 1000] and data.Y.tolist() == [-0.5, 0.25, -0.03]


# ----------------------------------------------------------------------------- the errors


def test_missing_file(tmp_path):
    fails(tmp_path / "nope.csv", "no such file")


def test_a_folder_is_not_a_file(tmp_path):
    fails(tmp_path, "is a folder")


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"])
def test_empty_file(tmp_path, text):
    fails(write(tmp_path, text), "is empty")


def test_not_utf8(tmp_path):
    error = fails(write(tmp_path, b"x,y\n1,2\n\xff\xfe,3\n"), r"line 3 is not UTF-8")
    assert error.line == 3
    fails(write(tmp_path, "x,y\n1,2\n".encode("utf-16")), "UTF-8|NUL")


def test_binary_file(tmp_path):
    fails(write(tmp_path, b"x,y\n1,\x00\n3,4\n"), "NUL")


def test_no_header(tmp_path):
    error = fails(write(tmp_path, "1,2,3\n4,5,6\n"), "line 1 holds numbers, not column names.*header")
    assert error.line == 1


def test_empty_column_name(tmp_path):
    fails(write(tmp_path, "a,,y\n1,2,3\n4,5,6\n"), r"line 1, column 2 has no name")


def test_duplicate_column_name(tmp_path):
    error = fails(write(tmp_path, "a,b,a,y\n1,2,3,4\n5,6,7,8\n"),
                  r"line 1: column 'a' appears twice \(columns 1 and 3\)")
    assert error.column == "a"


def test_target_not_found_lists_the_columns(tmp_path):
    fails(write(tmp_path, GOOD), r"no target column 'wage'; the columns are 'income', 'age', 'y'",
          target="wage")


def test_feature_not_found_lists_the_columns(tmp_path):
    fails(write(tmp_path, GOOD), r"no feature column 'sex'; the columns are 'income', 'age', 'y'",
          features=["income", "sex"])


def test_target_also_a_feature(tmp_path):
    fails(write(tmp_path, GOOD), r"'y' is both a feature and a target", features=["y", "age"])


def test_no_feature_left(tmp_path):
    fails(write(tmp_path, "y\n1\n2\n"), "no feature column")


def test_no_target_given(tmp_path):
    fails(write(tmp_path, GOOD), "no target columns were given", target=[])


def test_wrong_number_of_cells(tmp_path):
    text = "a,b,c,y\n" + "1,2,3,4\n" * 5 + "1,2,3\n"
    error = fails(write(tmp_path, text), r"line 7 has 3 cells, the header has 4")
    assert error.line == 7
    fails(write(tmp_path, "a,y\n1,2\n3,4,5\n"), r"line 3 has 3 cells, the header has 2")


def test_not_a_number(tmp_path):
    text = "age,sex,income,y\n1,0,2,3\n2,1,3,4\n3,0,4,5\n4,1,abc,6\n"
    error = fails(write(tmp_path, text), r"line 5, column 'income' \(3\): 'abc' is not a number")
    assert (error.line, error.column) == (5, "income")
    fails(write(tmp_path, "x,y\n1,2\n3,4 5\n"), r"line 3, column 'y' \(2\): '4 5' is not a number")
    fails(write(tmp_path, "x,y\n1,2\n1+1,4\n"), r"line 3, column 'x' \(1\): '1\+1' is not a number")


def test_text_column_suggests_leaving_it_out(tmp_path):
    fails(write(tmp_path, "name,x,y\nann,1,2\n"), r"line 2, column 'name' \(1\).*leave this column out")


@pytest.mark.parametrize("cell", ["", "  ", "NA", "nan", "NaN", "null", "None", "-nan"])
def test_empty_or_nan_cell(tmp_path, cell):
    text = f"age,sex,income,y\n1,0,2,3\n2,1,3,4\n3,0,4,5\n4,1,{cell},6\n"
    message = re.escape("line 5, column 'income' (3) is empty/NaN: fill or drop it")
    error = fails(write(tmp_path, text), message)
    assert error.line == 5


@pytest.mark.parametrize("cell", ["inf", "-Infinity", "1e999"])
def test_infinite_cell(tmp_path, cell):
    fails(write(tmp_path, f"x,y\n1,2\n{cell},3\n"), rf"line 3, column 'x' \(1\): '{cell}' is infinite")


def test_too_few_rows(tmp_path):
    fails(write(tmp_path, "x,y\n1,2\n"), "has 1 data row below the header; at least 2 are needed")
    fails(write(tmp_path, "x,y\n"), "has 0 data rows")
    assert load_csv(write(tmp_path, "x,y\n1,2\n"), min_rows=1).n == 1
    fails(write(tmp_path, "x,y\n1,2\n3,4\n"), "at least 5", min_rows=5)


def test_constant_feature_with_standardize(tmp_path):
    path = write(tmp_path, "a,b,y\n1,7,1\n2,7,2\n3,7,3\n")
    error = fails(path, r"column 'b' \(2\) is constant.*drop it", standardize=True)
    assert error.column == "b"
    assert load_csv(path).X[:, 1].tolist() == [7, 7, 7]  # fine without standardizing


def test_unterminated_quote(tmp_path):
    fails(write(tmp_path, 'x,y\n1,2\n"3,4\n'), r"line 3 can't be read as CSV.*quotes")


def test_a_cell_spanning_lines_is_reported_where_its_row_starts(tmp_path):
    fails(write(tmp_path, 'x,y\n1,2\n"a\nb",4\n5,6\n'), r"line 3, column 'x' \(1\): 'a\\nb' is not")
    path = write(tmp_path, 'x,"y\nz"\n1,2\n3,4\n5,x\n')  # the header takes lines 1 and 2
    fails(path, r"line 5, column 'y\\nz' \(2\): 'x' is not a number")


def test_text_in_the_target_says_to_fix_the_cell_not_to_leave_the_target_out(tmp_path):
    fails(write(tmp_path, "x,y\n1,2\n2,oops\n"), r"line 3, column 'y' \(2\): 'oops' is not a "
          r"number: fix the cell or drop the row$")
