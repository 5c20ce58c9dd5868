// A table of a network's layers in execution order: one row per layer with its kind, a summary of its
// parameters, the tensors it reads and writes, and the shapes it produces. It displays a network that
// someone else owns and shares; it never changes it. An engine known only by its layer records (one
// TensorRT built) is shown from the records, in the same columns.
#pragma once

#include <QAbstractTableModel>
#include <memory>
#include <vector>

#include "kiln/build_report.h"
#include "kiln/network.h"

namespace kiln::views {

class LayerTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        IndexColumn,
        NameColumn,
        KindColumn,
        ParamsColumn,
        InputsColumn,
        OutputsColumn,
        OutputShapeColumn,
        ColumnCount
    };

    explicit LayerTableModel(QObject* parent = nullptr);

    // Shows `network` (null shows nothing). The model keeps it alive while it displays it.
    void setNetwork(std::shared_ptr<const NetworkDefinition> network);
    const std::shared_ptr<const NetworkDefinition>& network() const { return m_network; }

    // Shows `records` instead of a network (an empty list shows nothing).
    void setRecords(std::vector<LayerRecord> records);

    // The layer shown in `row`, or null when the row is out of range or shows a record.
    const Layer* layerAt(int row) const;
    // The name of the layer or record in `row`; empty when the row is out of range.
    QString nameAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString displayText(const Layer& layer, int row, int column) const;
    QString displayText(const LayerRecord& record, int row, int column) const;

    std::shared_ptr<const NetworkDefinition> m_network;
    std::vector<LayerRecord> m_records;
};

}  // namespace kiln::views
