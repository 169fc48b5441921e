class CreateOrders < ActiveRecord::Migration[7.1]
  def change
    create_table :orders do |t|
      t.string :sku, null: false
      t.date :shipped_on
      t.timestamps
    end
  end
end
